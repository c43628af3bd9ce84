/** Who answers `attest:sbom`, and how the answer rides in the gateway's Result. */
import { describe, expect, it } from "vitest";
import { CapSet } from "../../../llb/src/caps.js";
import { csvFields, parseSbomRequest, parseSourceDateEpoch } from "../../../frontend/options/attest.js";
import { parseOptions } from "../../../frontend/options/options.js";
import { ownSbom } from "../../../frontend/gateway/build.js";
import { buildResult } from "../../../frontend/gateway/result.js";
import type { ResultAttestation } from "../../../frontend/gateway/sbom.js";
import type { OciImage } from "../../../frontend/plan/image-config.js";

const opts = (o: Record<string, string>) => new Map(Object.entries(o));
const AMD64 = { os: "linux", architecture: "amd64" };
const caps = (...gateway: string[]) => ({ gateway: new CapSet(gateway.map((id) => ({ id, enabled: true }))), llb: new CapSet([]) });

describe("attest:sbom", () => {
  it("without a generator the frontend answers; with one BuildKit runs that scanner; absent or disabled, nothing", () => {
    expect(parseSbomRequest(opts({ "attest:sbom": "" }))).toEqual({ kind: "own" });
    expect(parseSbomRequest(opts({ "build-arg:BUILDKIT_ATTEST_SBOM": "scan-context=true" }))).toEqual({ kind: "own" });
    expect(parseSbomRequest(opts({ "attest:sbom": "generator=docker/buildkit-syft-scanner:stable-1" }))).toEqual({ kind: "generator", generator: "docker/buildkit-syft-scanner:stable-1" });
    expect(parseSbomRequest(opts({ "attest:sbom": '"generator=reg/scan:1",scan-stage=true' }))).toEqual({ kind: "generator", generator: "reg/scan:1" });
    expect(parseSbomRequest(opts({}))).toBeUndefined();
    expect(parseSbomRequest(opts({ "attest:sbom": "disabled=true" }))).toBeUndefined();
    expect(() => parseSbomRequest(opts({ "attest:sbom": "generator=" }))).toThrow(/generator= is empty/);
    expect(csvFields('a=1,"b=x,y",c=""""')).toEqual(["a=1", "b=x,y", 'c="']);
  });

  it("is accepted with the other options, and SOURCE_DATE_EPOCH with it", () => {
    const o = parseOptions(opts({ "attest:sbom": "", "attest:provenance": "mode=max", "build-arg:SOURCE_DATE_EPOCH": "1700000000" }), AMD64);
    expect(o.sbom).toEqual({ kind: "own" });
    expect(o.sourceDateEpoch).toBe(1700000000);
    expect(() => parseOptions(opts({ "build-arg:SOURCE_DATE_EPOCH": "yesterday" }), AMD64)).toThrow(/SOURCE_DATE_EPOCH/);
  });

  it("the frontend's SBOM needs a daemon that takes attestations; otherwise BuildKit's scanner makes it, with a note", () => {
    const o = parseOptions(opts({ "attest:sbom": "" }), AMD64);
    expect(ownSbom(o, caps("reference.attestations"))).toEqual({ on: true });
    expect(ownSbom(o, caps())).toMatchObject({ on: false, notice: expect.stringMatching(/default scanner/) });
    expect(ownSbom(parseOptions(opts({ "attest:sbom": "generator=x/y" }), AMD64), caps("reference.attestations"))).toEqual({ on: false });
    expect(ownSbom(parseOptions(opts({}), AMD64), caps("reference.attestations"))).toEqual({ on: false });
  });
});

describe("attestations in the Result", () => {
  const att = (id: string): ResultAttestation => ({ kind: 0, metadata: { reason: Buffer.from("sbom") }, ref: { id }, path: "/sbom.spdx.json", inTotoPredicateType: "https://spdx.dev/Document" });
  const config = { architecture: "amd64", os: "linux" } as OciImage;

  it("are keyed by the platform ids of refs.platforms, for one ref and for a map of them", () => {
    const one = buildResult([{ platform: AMD64, ref: "r1", config, attestations: [att("s1")] }], false, 0) as { attestations: Record<string, { attestation: ResultAttestation[] }> };
    expect(one.attestations).toEqual({ "linux/amd64": { attestation: [att("s1")] } });
    const arm = { os: "linux", architecture: "arm64" };
    const two = buildResult(
      [
        { platform: AMD64, ref: "r1", config, attestations: [att("s1")] },
        { platform: arm, ref: "r2", config: { ...config, architecture: "arm64" } as OciImage, attestations: [att("s2")] },
      ],
      true,
      0,
    ) as { attestations: Record<string, unknown>; refs: { refs: Record<string, unknown> } };
    expect(Object.keys(two.attestations).sort()).toEqual(Object.keys(two.refs.refs).sort());
    expect(buildResult([{ platform: AMD64, ref: "r1", config }], false, 0)).not.toHaveProperty("attestations");
  });
});

describe("the Result on the wire", () => {
  it("carries the attestation through the gateway's ReturnRequest encoding", async () => {
    const { codec } = await import("../../../frontend/common/messages.js");
    const c = codec("moby.buildkit.v1.frontend.ReturnRequest");
    const result = buildResult([{ platform: AMD64, ref: "r1", config: { architecture: "amd64", os: "linux" } as OciImage, attestations: [{ kind: 0, metadata: { reason: Buffer.from("sbom") }, ref: { id: "s1" }, path: "/sbom.spdx.json", inTotoPredicateType: "https://spdx.dev/Document" }] }], false, 0);
    const back = c.decode(c.encode({ result })) as { result: { attestations: Record<string, { attestation: { metadata: Record<string, Uint8Array>; ref: { id: string }; path: string; inTotoPredicateType: string }[] }> } };
    const a = back.result.attestations["linux/amd64"]!.attestation[0]!;
    expect([a.ref.id, a.path, a.inTotoPredicateType, Buffer.from(a.metadata.reason!).toString()]).toEqual(["s1", "/sbom.spdx.json", "https://spdx.dev/Document", "sbom"]);
  });
});
