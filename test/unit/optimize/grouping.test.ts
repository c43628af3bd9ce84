/** Which distributions share an install step: the rules, on resolutions alone. */
import { describe, expect, it } from "vitest";
import { installUnits, isPureWheel, SMALL_WHEEL_BYTES } from "../../../frontend/optimize/grouping.js";
import type { ResolvedDist } from "../../../frontend/optimize/resolution.js";

const sha = "a".repeat(64);
function dist(name: string, requires: string[] = [], file = `${name}-1.0-py3-none-any.whl`, over: Partial<ResolvedDist> = {}): ResolvedDist {
  return { name, key: name, version: "1.0", requested: false, source: { kind: "wheel", filename: file, sha256: [sha], fromContext: false }, requires, ...over };
}
const heavy = (name: string, requires: string[] = []) => dist(name, requires, `${name}-1.0-cp311-cp311-manylinux_2_28_x86_64.whl`);
const shape = (units: ReturnType<typeof installUnits>) => units.map((u) => (u.kind === "single" ? `single ${u.dist.name}` : u.members.map((m) => m.name).join("+")));

describe("install groups", () => {
  it("tells pure-Python wheels from wheels with compiled code by their tags", () => {
    expect(isPureWheel("requests-2.32.3-py3-none-any.whl")).toBe(true);
    expect(isPureWheel("six-1.17.0-py2.py3-none-any.whl")).toBe(true);
    expect(isPureWheel("numpy-2.4.6-cp311-cp311-manylinux_2_28_x86_64.whl")).toBe(false);
    expect(isPureWheel("cffi-1.0-cp311-abi3-any.whl")).toBe(false);
    expect(isPureWheel("torch-2.13.0+cpu-1-cp311-cp311-linux_x86_64.whl")).toBe(false);
  });

  it("installs heavy wheels alone and light ones with the heavy one or the top-level package that needs them", () => {
    const ordered = [dist("mpmath"), dist("sympy", ["mpmath"]), dist("filelock"), heavy("torch", ["filelock", "sympy"]), dist("idna"), dist("requests", ["idna"]), dist("zipp")];
    expect(shape(installUnits(ordered, new Set()))).toEqual(["mpmath+sympy+filelock", "torch", "idna+requests", "zipp"]);
  });

  it("gives a light dependency of two heavy wheels to the first heavy one by name, whatever the install order", () => {
    const a = [dist("typing-extensions"), heavy("torch", ["typing-extensions"]), heavy("pydantic-core", ["typing-extensions"])];
    expect(shape(installUnits(a, new Set()))).toEqual(["typing-extensions", "torch", "pydantic-core"]);
    const units = installUnits([...a].reverse(), new Set());
    const group = units.find((u) => u.kind === "group" && u.members.some((m) => m.name === "typing-extensions"));
    expect(group).toEqual({ kind: "group", members: [expect.objectContaining({ name: "typing-extensions" })], slots: [0] });
  });

  it("keeps a step of its own, cut from a diff, for an sdist, a context wheel and an upgrade of the base image", () => {
    const ordered = [
      dist("built", [], "built-1.0.tar.gz", { source: { kind: "sdist", filename: "built-1.0.tar.gz", sha256: [], fromContext: false } }),
      dist("mine", [], "", { source: { kind: "context-wheel", path: "/ctx/mine.whl" } }),
      dist("setuptools"),
      dist("six"),
    ];
    expect(shape(installUnits(ordered, new Set(["setuptools"])))).toEqual(["single built", "single mine", "single setuptools", "six"]);
  });

  it("never mixes wheels pinned with hashes and without in one step (pip would refuse the line without)", () => {
    const bare = dist("bare", [], "bare-1.0-py3-none-any.whl", { source: { kind: "wheel", filename: "bare-1.0-py3-none-any.whl", sha256: [], fromContext: false } });
    const ordered = [bare, dist("top", ["bare"])];
    expect(shape(installUnits(ordered, new Set()))).toEqual(["bare", "top"]);
  });

  it("gives the small pure-Python wheels of a step one slot (layer) together, each other member a slot of its own", () => {
    const sized = (d: ResolvedDist, size?: number): ResolvedDist => ({ ...d, source: { ...(d.source as Extract<ResolvedDist["source"], { kind: "wheel" }>), ...(size === undefined ? {} : { size }) } });
    const ordered = [
      sized(dist("idna"), 68 << 10),
      sized(dist("sympy"), 6 << 20),
      sized(dist("certifi"), SMALL_WHEEL_BYTES),
      sized(dist("unknown")),
      sized(dist("just-over"), SMALL_WHEEL_BYTES + 1),
      sized(dist("requests", ["idna", "sympy", "certifi", "unknown", "just-over"]), 63 << 10),
    ];
    const [unit] = installUnits(ordered, new Set());
    expect(unit).toMatchObject({ kind: "group", slots: [0, 1, 0, 2, 3, 0] });
    // One small wheel alone in its step shares with nobody: slots stay one per member.
    const lone = installUnits([sized(dist("six"), 11 << 10), sized(dist("top", ["six"]), 1 << 20)], new Set());
    expect(lone).toMatchObject([{ kind: "group", slots: [0, 1] }]);
    // A compiled wheel known to be small is light: it installs with what needs it and shares the small slot;
    // one just over the size, or of unknown size, is heavy: a step of its own.
    const compiled = (name: string, size?: number, requires: string[] = []) => ({ ...heavy(name, requires), source: { ...(heavy(name).source as Extract<ResolvedDist["source"], { kind: "wheel" }>), ...(size === undefined ? {} : { size }) } });
    const units = installUnits([compiled("markupsafe", 20 << 10), compiled("over", SMALL_WHEEL_BYTES + 1), compiled("unsized"), sized(dist("jinja2", ["markupsafe", "over", "unsized"]), 130 << 10), sized(dist("a", ["jinja2"]), 1 << 10)], new Set());
    expect(shape(units)).toEqual(["markupsafe+jinja2+a", "over", "unsized"]);
    expect(units[0]).toMatchObject({ kind: "group", slots: [0, 0, 0] });
  });
});
