import { describe, expect, it } from "vitest";
import { readFrontendEnv } from "../../../frontend/gateway/env.js";
import { statusFromError } from "../../../frontend/gateway/errors.js";
import { nearestRange } from "../../../frontend/imagespec/tree.js";
import { parseDockerignore } from "../../../common/src/context/dockerignore.js";
import { TO_OBJECT } from "../../../common/src/wire/codec.js";
import { buildSettings, OptionError, parseOptions } from "../../../frontend/options/options.js";
import { buildResult } from "../../../frontend/gateway/result.js";
import { SpecError } from "../../../frontend/imagespec/problems.js";

const amd64 = { os: "linux", architecture: "amd64" };
const opts = (o: Record<string, string>) => parseOptions(new Map(Object.entries(o)), amd64);

describe("frontend environment", () => {
  it("collects every BUILDKIT_FRONTEND_OPT_* (split on the first =) and the worker platforms", () => {
    const env = readFrontendEnv({
      BUILDKIT_FRONTEND_OPT_0: "filename=spec.yaml",
      BUILDKIT_FRONTEND_OPT_7: "build-arg:spec={\"a\":\"b=c\"}",
      BUILDKIT_FRONTEND_OPT_3: "no-cache",
      BUILDKIT_SESSION_ID: "sess",
      BUILDKIT_WORKERS: JSON.stringify([{ platforms: [{ architecture: "aarch64", os: "linux" }], buildkitVersion: { version: "v0.25.1" } }]),
    });
    expect([...env.opts]).toEqual([
      ["filename", "spec.yaml"],
      ["build-arg:spec", '{"a":"b=c"}'],
      ["no-cache", ""],
    ]);
    expect(env.sessionId).toBe("sess");
    expect(env.workerPlatforms).toEqual([{ os: "linux", architecture: "arm64" }]);
    expect(env.buildkitVersion).toBe("v0.25.1");
  });
});

describe("options", () => {
  it("takes our settings as plain options or build args", () => {
    expect(opts({ installer: "pip" }).installer).toBe("pip");
    expect(opts({ "build-arg:installer": "pip", "build-arg:image-id": "img:1", "build-arg:uv-image": "r.test/uv:1" })).toMatchObject({ installer: "pip", imageId: "img:1", uvImage: "r.test/uv:1" });
    expect(opts({}).installer).toBe("uv");
  });

  it("reads the dockerui conventions", () => {
    const o = opts({
      filename: "spec.json",
      dockerfilekey: "specdir",
      platform: "linux/amd64,linux/arm64/v8",
      "label:team": "ml",
      "no-cache": "",
      "force-network-mode": "host",
      "image-resolve-mode": "pull",
      "cache-imports": '[{"Type":"registry","Attrs":{"ref":"r.test/cache"}}]',
      "cache-from": "r.test/a,r.test/b",
      "context:python:3.12": "docker-image://r.test/python:3.12",
      "build-arg:BUILDKIT_CACHE_MOUNT_NS": "team-a",
      "build-arg:HTTP_PROXY": "http://proxy.test",
      "attest:provenance": "mode=min",
      "vcs:localdir:context": ".",
    });
    expect(o).toMatchObject({ filename: "spec.json", specLocal: "specdir", labels: { team: "ml" }, noCache: true, network: "host", resolveMode: "pull", cacheNamespace: "team-a" });
    expect(o.platforms).toEqual([amd64, { os: "linux", architecture: "arm64" }]);
    expect(o.cacheImports).toEqual([
      { Type: "registry", Attrs: { ref: "r.test/cache" } },
      { Type: "registry", Attrs: { ref: "r.test/a" } },
      { Type: "registry", Attrs: { ref: "r.test/b" } },
    ]);
    expect(o.namedContexts.get("python:3.12")).toBe("docker-image://r.test/python:3.12");
    expect(buildSettings(o)).toMatchObject({ noCache: true, network: "host", labels: { team: "ml" } });
  });

  it.each([
    [{ instaler: "pip" }, 'unknown option "instaler"'],
    [{ "build-arg:PYTHON": "3" }, 'unknown build argument "PYTHON"'],
    [{ installer: "conda" }, 'option installer: expected uv or pip, got "conda"'],
    [{ "force-network-mode": "bridge" }, "option force-network-mode: expected sandbox, host or none"],
    [{ platform: "linux//amd64" }, "option platform: invalid platform"],
    [{ "cache-imports": "{" }, "option cache-imports: not valid JSON"],
    [{ context: "https://github.test/repo.git" }, "remote build contexts are not supported"],
    [{ target: "prod" }, "an image spec has no build targets"],
    [{ "multi-platform": "maybe" }, 'option multi-platform: "maybe" is not a boolean'],
  ])("rejects %j", (o, message) => {
    expect(() => opts(o as Record<string, string>)).toThrow(OptionError);
    expect(() => opts(o as Record<string, string>)).toThrow(message);
  });
});

describe("result", () => {
  const config = { architecture: "amd64", os: "linux" };
  it("single platform: one ref, containerimage.config and refs.platforms with Go's capitalized keys", () => {
    const r = buildResult([{ platform: amd64, ref: "r1", config }], false, 0) as { ref: { id: string }; metadata: Record<string, Buffer> };
    expect(r.ref).toEqual({ id: "r1" });
    expect(JSON.parse(r.metadata["containerimage.config"]!.toString())).toEqual(config);
    expect(JSON.parse(r.metadata["refs.platforms"]!.toString())).toEqual({ Platforms: [{ ID: "linux/amd64", Platform: { architecture: "amd64", os: "linux" } }] });
  });

  it("several platforms: a ref per platform ID and per-platform config keys", () => {
    const arm = { os: "linux", architecture: "arm64" };
    const r = buildResult([{ platform: amd64, ref: "a", config }, { platform: arm, ref: "b", config: { ...config, architecture: "arm64" } }], true, 0) as {
      refs: { refs: Record<string, { id: string }> };
      metadata: Record<string, Buffer>;
    };
    expect(r.refs.refs).toEqual({ "linux/amd64": { id: "a" }, "linux/arm64": { id: "b" } });
    expect(JSON.parse(r.metadata["containerimage.config/linux/arm64"]!.toString()).architecture).toBe("arm64");
    expect(r.metadata["containerimage.config"]).toBeUndefined();
  });

  it("returns the build's epoch as source.date.epoch, for the exporter's times and rewrite-timestamp", () => {
    const meta = (epoch: number) => (buildResult([{ platform: amd64, ref: "r1", config }], false, epoch) as { metadata: Record<string, Buffer> }).metadata;
    expect(meta(0)["source.date.epoch"]!.toString()).toBe("0");
    expect(meta(1700000000)["source.date.epoch"]!.toString()).toBe("1700000000");
  });
});

describe("errors returned to BuildKit", () => {
  it("a spec error carries the file and 1-based line ranges as errdefs.Source JSON details", () => {
    const file = { filename: "spec.yaml", data: new TextEncoder().encode("a: 1\nb: 2\n"), language: "yaml" };
    const err = new SpecError([{ path: "b", message: "bad", range: { start: { line: 2, column: 4 }, end: { line: 2, column: 5 } } }], "spec.yaml");
    const status = statusFromError(err, file);
    expect(status.code).toBe(2);
    expect(status.message).toContain("spec.yaml:2:4: b: bad");
    expect(status.details).toHaveLength(1);
    expect(status.details[0]!.type_url).toBe("github.com/moby/buildkit/errdefs.Source+json");
    expect(JSON.parse(Buffer.from(status.details[0]!.value).toString())).toEqual({
      info: { filename: "spec.yaml", data: Buffer.from(file.data).toString("base64"), language: "yaml" },
      ranges: [{ start: { line: 2, character: 3 }, end: { line: 2, character: 4 } }],
    });
  });

  it("never returns code 0, even for odd throwables", () => {
    expect(statusFromError("boom").code).toBe(2);
    expect(statusFromError(new Error("")).message).toBe("Error");
  });

  it("finds the closest located ancestor of a path", () => {
    const r = { start: { line: 3, column: 1 }, end: { line: 3, column: 9 } };
    expect(nearestRange(new Map([["layers[2]", r]]), "layers[2].pip_packages.packages[0]")).toBe(r);
    expect(nearestRange(new Map(), "layers[2]")).toBeUndefined();
  });
});

describe(".dockerignore", () => {
  it("is cleaned like Docker reads it", () => {
    expect(parseDockerignore("# comment\n\n/dist/\n!keep.txt\n**/*.pyc\n./a/../b\n")).toEqual(["dist", "!keep.txt", "**/*.pyc", "b"]);
  });
});

describe("Ping answer", () => {
  it("the hand decoder reads the caps exactly as protobufjs does, skipping workers and unknown fields", async () => {
    const { messageType } = await import("../../../frontend/common/messages.js");
    const { decodePong } = await import("../../../frontend/protocol/responses.js");
    const Pong = messageType("moby.buildkit.v1.frontend.PongResponse");
    const caps = (prefix: string) =>
      Array.from({ length: 40 }, (_, i) => ({
        ID: `${prefix}.${i}`,
        Enabled: i % 3 !== 0,
        Deprecated: i % 5 === 0,
        ...(i % 3 === 0 ? { DisabledReason: "reason", DisabledReasonMsg: `needs ${i} ✓`, DisabledAlternative: "alt" } : {}),
      }));
    const message = {
      FrontendAPICaps: caps("gw"),
      LLBCaps: caps("llb"),
      Workers: [{ ID: "w1", Labels: { "org.mobyproject.buildkit.worker.executor": "oci" }, platforms: [{ OS: "linux", Architecture: "amd64" }], GCPolicy: [{ all: true, keepDuration: 3600, filters: ["type==source.local"] }], BuildkitVersion: { package: "github.com/moby/buildkit", version: "v0.26.0", revision: "abc" } }],
    };
    const known = Pong.encode(Pong.fromObject(message)).finish();
    // A field this version does not know (number 9, length-delimited) must be skipped.
    const bytes = Buffer.concat([Buffer.from([0x4a, 0x03, 0x61, 0x62, 0x63]), Buffer.from(known)]);
    const theirs = Pong.toObject(Pong.decode(known), TO_OBJECT) as { FrontendAPICaps: Record<string, unknown>[]; LLBCaps: Record<string, unknown>[] };
    const ours = decodePong(bytes);
    // protobufjs's names mapped onto the LLB library's ApiCap, which ours fills directly.
    const asApiCap = (r: Record<string, unknown>) => ({
      id: r.ID,
      enabled: r.Enabled === true,
      ...(r.DisabledReason !== undefined ? { disabledReason: r.DisabledReason } : {}),
      ...(r.DisabledReasonMsg !== undefined ? { disabledReasonMsg: r.DisabledReasonMsg } : {}),
    });
    expect(ours.FrontendAPICaps).toEqual(theirs.FrontendAPICaps.map(asApiCap));
    expect(ours.LLBCaps).toEqual(theirs.LLBCaps.map(asApiCap));
    expect(ours.LLBCaps).toHaveLength(40);
    expect(ours.FrontendAPICaps[3]).toEqual({ id: "gw.3", enabled: false, disabledReason: "reason", disabledReasonMsg: "needs 3 ✓" });
  });
});

describe("Solve answer", () => {
  it("the hand decoder finds the result's ref id as protobufjs does, skipping the Definition and metadata", async () => {
    const { messageType } = await import("../../../frontend/common/messages.js");
    const { decodeSolveResponse } = await import("../../../frontend/protocol/responses.js");
    const { image } = await import("../../../llb/src/index.js");
    const Solve = messageType("moby.buildkit.v1.frontend.SolveResponse");
    const Definition = messageType("pb.Definition");
    const def = Definition.toObject(Definition.decode(image("docker.io/library/alpine:3").run({ args: ["true"] }).root().marshal().encode()));
    for (const message of [
      { result: { ref: { id: "ref-1", def }, metadata: { "image.name": Buffer.from("x") } } },
      { result: { ref: { id: "" } } },
      { result: { refs: { refs: { "linux/amd64": { id: "a" } } } } },
      { ref: "deprecated" },
      {},
    ]) {
      const bytes = Solve.encode(Solve.fromObject(message)).finish();
      const theirs = Solve.toObject(Solve.decode(bytes), TO_OBJECT) as { result?: { ref?: { id?: string } } };
      expect(decodeSolveResponse(bytes).result?.ref?.id).toBe(theirs.result?.ref?.id);
    }
    const withDef = Solve.encode(Solve.fromObject({ result: { ref: { id: "ref-1", def } } })).finish();
    expect(decodeSolveResponse(withDef)).toEqual({ result: { ref: { id: "ref-1" } } });
  });
});
