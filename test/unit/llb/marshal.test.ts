import { describe, expect, it } from "vitest";
import {
  decodeOp,
  encodeOp,
  FileAction,
  image,
  local,
  marshal,
  scratch,
  type MarshalContext,
  type MarshaledVertex,
  type Output,
  type PbFileActionCopy,
  type PbOp,
  type Vertex,
} from "../../../llb/src/index.js";

function fileActions(op: PbOp) {
  if (!("file" in op)) throw new Error("not a file op");
  return op.file.actions;
}

describe("marshal", () => {
  it("numbers a chown-by-name lookup with the input of its own action", () => {
    const base = image("docker.io/library/debian:bookworm");
    const ctx = local("context");
    const state = base.file(
      FileAction.copy(ctx, "a", "/a", { owner: { user: "app", group: 0 } })
        .mkdir("/b", 0o755, { owner: { user: "app", group: "staff" } }),
    );
    const def = state.marshal();
    const actions = fileActions(decodeOp(def.def[def.def.length - 2]!));
    // Inputs: 0 = base, 1 = context; the second action reads the first one's output (index 2).
    expect(actions.map((a) => a.input)).toEqual([0, 2]);
    const copy = (actions[0] as { copy: PbFileActionCopy }).copy;
    expect(copy.owner).toEqual({ user: { byName: { name: "app", input: 0 } }, group: { byId: 0 } });
    const mkdir = (actions[1] as { mkdir: { owner?: unknown } }).mkdir;
    expect(mkdir.owner).toEqual({ user: { byName: { name: "app", input: 2 } }, group: { byName: { name: "staff", input: 2 } } });
  });

  it("refuses a chown by name with no filesystem to look the name up in", () => {
    expect(() => scratch().file(FileAction.mkdir("/x", 0o755, { owner: { user: "app" } }))).toThrow(
      'chown to "app" needs a base filesystem to look the name up in',
    );
  });

  it("accepts vertices of other libraries that return their op as a message", () => {
    const base = image("docker.io/library/alpine:3.20");
    const op: PbOp = { constraints: {}, source: { identifier: "local://custom", attrs: { "local.sharedkeyhint": "custom" } } };
    const custom: Vertex = {
      inputs: [],
      marshal: (_ctx: MarshalContext): MarshaledVertex => ({ op, metadata: { caps: { "source.local": true } }, locations: [] }),
    };
    const output: Output = { vertex: custom, index: 0 };
    const def = base.file(FileAction.copy({ output, cwd: "/" }, "f", "/f")).marshal();
    expect(def.def[1]).toEqual(encodeOp(op));
    expect(def.metadata.get(def.digests[1]!)).toEqual({ caps: { "source.local": true } });
    const copyOp = decodeOp(def.def[2]!);
    expect(copyOp.inputs?.map((i) => i.digest)).toEqual([def.digests[0], def.digests[1]]);
  });

  it("gives the same bytes and leaves each op's metadata unchanged when a graph is marshaled again", () => {
    const ctx = local("context");
    const s = image("docker.io/library/python:3.12-slim")
      .run({ args: ["true"], customName: "one", mounts: [{ type: "bind", dest: "/ctx", source: ctx }] })
      .root()
      .run({ args: ["true"], customName: "one" })
      .root();
    const first = s.marshal();
    const metadataBefore = JSON.stringify([...first.metadata]);
    const second = marshal(s.output);
    expect(Buffer.from(second.encode()).toString("hex")).toBe(Buffer.from(first.encode()).toString("hex"));
    expect(JSON.stringify([...first.metadata])).toBe(metadataBefore);
  });
});
