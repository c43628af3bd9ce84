/** Issue 21: what the plan does so that its layers and config depend only on the build's inputs (no daemon). */
import { describe, expect, it } from "vitest";
import { APT_SCRIPT, APT_VOLATILE_FILES } from "../../../frontend/plan/reproducible.js";
import { createdFrom, epochOf } from "../../../frontend/options/source-date.js";
import { FileAction, scratch } from "../../../llb/src/index.js";
import { compileSpec } from "../../support/compile-fixture.js";
import { decodeOps, envOf, execOps } from "../../support/llb-inspect.js";

const BASE = "registry.test/python:3.11";
const EPOCH = 1700000000;
const NS = EPOCH * 1_000_000_000;

const spec = {
  base_image: BASE,
  python_version: "3.11",
  layers: [
    { apt_packages: { packages: ["jq"] } },
    { pip_packages: { packages: ["six"] } },
    { workdir: { workdir: "/srv/app" } },
    { copy_config: { src: "src", dst: "." } },
    { env: { env_variables: { MODE: "x" } } },
    { commands: { cmd: ["echo hi > /hi"] } },
  ],
};

const fileActions = (def: ReturnType<ReturnType<typeof compileSpec>["state"]["marshal"]>) =>
  decodeOps(def).flatMap((o) => (o.op.file?.actions ?? []) as Record<string, any>[]);

describe("reproducible layers: the plan", () => {
  for (const [what, settings, ns] of [
    ["without SOURCE_DATE_EPOCH, at 1970-01-01", {}, 0],
    ["with SOURCE_DATE_EPOCH, at that time", { sourceDateEpoch: EPOCH }, NS],
  ] as const) {
    it(`gives the workdir's mkdir and the copy a fixed time ${what}`, () => {
      const actions = fileActions(compileSpec(spec, { settings: { ...settings, optimize: false } }).state.marshal());
      const mkdir = actions.find((a) => a.mkdir?.path === "/srv/app")!.mkdir;
      const copy = actions.find((a) => a.copy?.src === "/src")!.copy;
      // 0 is protobuf's default, left out of the encoding as Go leaves it out; -1 would be "now".
      expect(mkdir.timestamp ?? 0).toBe(ns);
      expect(copy.timestamp ?? 0).toBe(ns);
    });
  }

  it("encodes a file op time in nanoseconds as BuildKit's Go library does (a varint of UnixNano)", () => {
    const [op] = decodeOps(scratch().file(FileAction.mkdir("/x", 0o755, { parents: true, timestamp: new Date(EPOCH * 1000) })).marshal()).filter((o) => o.op.file);
    expect(op!.op.file.actions[0].mkdir.timestamp).toBe(NS);
  });

  it("gives every exec step SOURCE_DATE_EPOCH (0 by default), out of the image's env", () => {
    for (const [settings, value] of [
      [{}, "0"],
      [{ sourceDateEpoch: EPOCH }, String(EPOCH)],
    ] as const) {
      for (const optimize of [false, true]) {
        const compiled = compileSpec(spec, { settings: { ...settings, optimize, installer: "pip" } });
        const execs = execOps(compiled.state.marshal());
        expect(execs.length).toBeGreaterThanOrEqual(4);
        for (const e of execs.filter((x) => !x.name?.includes("package"))) expect(envOf(e).SOURCE_DATE_EPOCH, e.name).toBe(value);
        expect(compiled.config.config!.Env!.some((v) => v.startsWith("SOURCE_DATE_EPOCH="))).toBe(false);
      }
    }
  });

  it("removes apt's and dpkg's logs and ldconfig's aux-cache at the end of the apt step; packages stay arguments", () => {
    const apt = execOps(compileSpec(spec, { settings: { optimize: false } }).state.marshal()).find((e) => e.name?.includes("apt-get install"))!;
    expect(apt.op.exec.meta.args).toEqual(["/bin/sh", "-c", APT_SCRIPT, "apt-get", "jq"]);
    expect(APT_SCRIPT).toBe(
      'apt-get update && apt-get install -y --no-install-recommends "$@" && rm -f /var/log/dpkg.log /var/log/alternatives.log /var/log/apt/history.log /var/log/apt/term.log /var/log/apt/eipp.log.xz /var/cache/ldconfig/aux-cache',
    );
    expect(APT_VOLATILE_FILES.every((f) => f.startsWith("/var/"))).toBe(true);
  });

  it("puts the build's epoch in the config's created and in every history entry it adds, never the clock", () => {
    for (const [settings, created] of [
      [{}, "1970-01-01T00:00:00Z"],
      [{ sourceDateEpoch: EPOCH }, "2023-11-14T22:13:20Z"],
    ] as const) {
      const config = compileSpec(spec, { settings }).config;
      expect(config.created).toBe(created);
      const ours = config.history!.filter((h) => h.comment === "imagespec.frontend.v0");
      expect(ours.length).toBeGreaterThan(0);
      for (const h of ours) expect(h.created).toBe(created);
    }
  });

  it("compiles the same spec to the same definition and config every time", () => {
    const a = compileSpec(spec, { settings: { optimize: false } });
    const b = compileSpec(spec, { settings: { optimize: false } });
    expect(b.state.marshal().digests).toEqual(a.state.marshal().digests);
    expect(JSON.stringify(b.config)).toBe(JSON.stringify(a.config));
  });
});

describe("the build's epoch", () => {
  it("is SOURCE_DATE_EPOCH when given, else 0, as seconds and as RFC 3339", () => {
    expect(epochOf(undefined)).toBe(0);
    expect(epochOf(EPOCH)).toBe(EPOCH);
    expect(createdFrom(undefined)).toBe("1970-01-01T00:00:00Z");
    expect(createdFrom(EPOCH)).toBe("2023-11-14T22:13:20Z");
  });
});
