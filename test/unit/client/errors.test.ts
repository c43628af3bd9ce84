import { describe, expect, it } from "vitest";
import { describeError } from "../../../client/src/errors.js";
import { GrpcError } from "../../../client/src/index.js";
import { codec } from "../../../client/src/proto.js";

const spec = "base_image: python:3.12\nlayers:\n  - pip_packages: {packages: [x]}\n  - bogus: 1\n  - env: {}\n  - workdir: {workdir: /a}\n";
const status = (details: { type_url: string; value: Buffer }[]) => codec("google.rpc.Status").encode({ code: 2, message: "m", details });

describe("describeError", () => {
  it("shows the spec lines a JSON Source detail points at, then the message", () => {
    const value = Buffer.from(JSON.stringify({ info: { filename: "imagespec.yaml", data: Buffer.from(spec).toString("base64") }, ranges: [{ start: { line: 4 }, end: { line: 4 } }] }));
    const e = new GrpcError(2, 'failed to solve: layers[1]: unknown layer kind "bogus"', "/moby.buildkit.v1.Control/Solve", status([{ type_url: "github.com/moby/buildkit/errdefs.Source+json", value }]));
    expect(describeError(e)).toBe(
      [
        "imagespec.yaml:4",
        "--------------------",
        "2 |     layers:",
        "3 |       - pip_packages: {packages: [x]}",
        "4 | >>>   - bogus: 1",
        "5 |       - env: {}",
        "6 |       - workdir: {workdir: /a}",
        "--------------------",
        'failed to solve: layers[1]: unknown layer kind "bogus"',
      ].join("\n"),
    );
  });

  it("reads the protobuf form of the detail too", () => {
    const value = codec("errdefs.Source").encode({ info: { filename: "s.yaml", data: Buffer.from(spec) }, ranges: [{ start: { line: 1 }, end: { line: 1 } }] });
    const e = new GrpcError(2, "bad base", "/x", status([{ type_url: "type.googleapis.com/errdefs.Source", value }]));
    expect(describeError(e)).toContain("1 | >>> base_image: python:3.12");
    // A range that ends at character 0 of the next line marks only its own line.
    const upTo = codec("errdefs.Source").encode({ info: { filename: "s.yaml", data: Buffer.from(spec) }, ranges: [{ start: { line: 4 }, end: { line: 5, character: 0 } }] });
    const shown = describeError(new GrpcError(2, "m", "/x", status([{ type_url: "type.googleapis.com/errdefs.Source", value: upTo }])));
    expect(shown).toContain("4 | >>>   - bogus: 1");
    expect(shown).toContain("5 |       - env: {}");
  });

  it("is the message alone without details, or with details it cannot read", () => {
    expect(describeError(new GrpcError(14, "connection refused", "/x"))).toBe("connection refused");
    expect(describeError(new GrpcError(2, "m2", "/x", Buffer.from([0xff, 0xff])))).toBe("m2");
    expect(describeError(new Error("plain"))).toBe("plain");
  });
});
