/** The plan → optimize → LLB stages of optimize, phase by phase, with the daemon's answers as input. */
import { describe, expect, it } from "vitest";
import { optimizeMode } from "../../../frontend/gateway/build.js";
import type { DistContents } from "../../../frontend/optimize/record.js";
import type { Resolution, ResolvedDist } from "../../../frontend/optimize/resolution.js";
import { CapSet } from "../../../llb/src/index.js";
import { compileOptimized, firstRequest, planSpec, type AskedRequest } from "../../support/compile-fixture.js";
import { decodeOps, envOf, execOps, type DecodedOp } from "../../support/llb-inspect.js";
import { warmUpPlan } from "../../../frontend/optimize/warm-up.js";
import type { ExecStep } from "../../../frontend/plan/plan.js";

const INDEX = "https://pypi.example/simple";
const sha = (c: string) => c.repeat(64);

function spec(layers: object[]): object {
  return { base_image: "registry.test/python:3.11", python_version: "3.11", layers };
}
const APT = (packages: string[]) => ({ apt_packages: { packages } });
const PIP = (packages: string[], extra = "") => ({ pip_packages: { packages, options: { index_url: INDEX, ...(extra ? { extra_args: extra } : {}) } } });

function wheel(name: string, version: string, over: Partial<ResolvedDist> = {}): ResolvedDist {
  return {
    name,
    key: name.toLowerCase(),
    version,
    requested: true,
    source: { kind: "wheel", filename: `${name}-${version}-py3-none-any.whl`, sha256: [sha(name[0]!)], fromContext: false },
    requires: [],
    ...over,
  };
}

const TORCH_WHEEL = { kind: "wheel" as const, filename: "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl", sha256: [sha("t")], fromContext: false };
const ML: ResolvedDist[] = [
  wheel("torch", "2.13.0+cpu", { requires: ["filelock"], source: TORCH_WHEEL }),
  wheel("filelock", "3.16.1", { requested: false }),
  wheel("requests", "2.32.3"),
];
const SIZES: Record<string, number> = { torch: 700 << 20, filelock: 20 << 10, requests: 200 << 10 };

/** The gateway's phase loop with canned answers: `resolve(layerIndex)` and RECORD-like contents. */
function phases(s: object, resolve: (layer: number) => Resolution, o: Parameters<typeof compileOptimized>[2] = {}, contents: (id: string) => DistContents = sizes) {
  return compileOptimized(s, resolve, o, contents);
}

function sizes(id: string): DistContents {
  const name = id.split("==")[0]!;
  return { size: SIZES[name] ?? 1000, count: 1, shared: [`opt/venv/lib/python3.11/site-packages/${name}/__init__.py`] };
}

const ok = (dists: ResolvedDist[], installed: Record<string, string> = { pip: "23.0.1", setuptools: "66.1.1" }): Resolution => ({ ok: true, dists, installed });

const args = (op: DecodedOp): string[] => op.op.exec.meta.args;
/** Whether an op is a group's install step: `install-group DIR FACTS REINSTALL NAME REQUESTED PIN SLOT … --`, or a lone pip wheel's `install-into OUT FACTS NAME REQUESTED PIN --`. */
const isGroupInstall = (op: DecodedOp): boolean => args(op).includes("install-group") || args(op).includes("install-into");
/** The distributions a group install step installs, the requirement line each is pinned by, and the slot (output directory) each goes to. */
const groupPins = (op: DecodedOp): { name: string; pin: string; slot: string }[] => {
  const a = args(op);
  if (a.includes("install-into")) {
    const at = a.indexOf("install-into") + 3;
    return [{ name: a[at]!, pin: a[at + 2]!, slot: "0" }];
  }
  const rest = a.slice(a.indexOf("install-group") + 4, a.indexOf("--"));
  return Array.from({ length: rest.length / 4 }, (_, k) => ({ name: rest[4 * k]!, pin: rest[4 * k + 2]!, slot: rest[4 * k + 3]! }));
};
const groupMembers = (op: DecodedOp): string[] => groupPins(op).map((m) => m.name);
const byDigest = (ops: DecodedOp[]) => new Map(ops.map((o) => [o.digest, o]));
function rootfsOf(op: DecodedOp, ops: DecodedOp[]): DecodedOp {
  return byDigest(ops).get(op.op.inputs[0].digest)!;
}
function mkfileText(ops: DecodedOp[], dest: string): string[] {
  return ops.flatMap((o) => (o.op.file?.actions ?? []).flatMap((a: any) => (a.mkfile && a.mkfile.path === dest ? [Buffer.from(a.mkfile.data, "base64").toString()] : [])));
}

describe("optimize, pip installer", () => {
  const s = spec([APT(["jq"]), PIP(["torch==2.13.0+cpu", "requests"]), { workdir: { workdir: "/app" } }, { copy_config: { src: "src", dst: "." } }, { env: { env_variables: { MODE: "prod" } } }]);
  const pip = { settings: { installer: "pip" as const } };

  it("asks first for the resolve step, run on the venv without the apt layer, with the layer's options", async () => {
    const req = firstRequest(s, pip);
    expect(req).toMatchObject({ kind: "resolve", layer: 1, at: "layers[1]", installer: "pip" });
    const ops = decodeOps(req.state.marshal());
    const resolve = ops.find((o) => o.op.exec && args(o).includes("--dry-run"))!;
    expect(args(resolve)).toEqual(expect.arrayContaining(["resolve", "--report", "/run/imagespec/optimize/out/report.json", "--index-url", INDEX, "torch==2.13.0+cpu", "requests"]));
    expect(args(resolve)).not.toContain("--ignore-installed");
    expect(args(rootfsOf(resolve, ops)).join(" ")).toContain("-m venv /opt/venv");
    expect(ops.some((o) => o.op.exec && args(o).some((a) => a.includes("apt-get")))).toBe(false);
  });

  it("resolves with the frontend image's own pip when it carries one and the venv's Python runs it; installs keep the venv's pip", async () => {
    const own = { image: "registry.test/imagespec-frontend@sha256:" + "f".repeat(64), dir: "imagespec/pip" };
    const withOwn = { settings: { installer: "pip" as const, resolverPip: own } };
    const ops = decodeOps(firstRequest(s, withOwn).state.marshal());
    const resolve = ops.find((o) => o.op.exec && args(o).includes("--dry-run"))!;
    const pipArgv = args(resolve).slice(args(resolve).lastIndexOf("--") + 1);
    expect(pipArgv.slice(0, 3)).toEqual(["/opt/venv/bin/python", "/opt/imagespec/pip/pip.whl/pip", "install"]);
    const mount = (resolve.op.exec.mounts as { dest: string; selector?: string; input: number }[]).find((m) => m.dest === "/opt/imagespec/pip")!;
    expect(mount.selector).toBe("imagespec/pip");
    expect(ops.find((o) => o.digest === resolve.op.inputs[mount.input].digest)!.op.source.identifier).toBe(`docker-image://${own.image}`);
    // The image's install steps still run the venv's pip, and mount no frontend image.
    const { image } = await phases(s, () => ok(ML), withOwn);
    const installs = execOps(image.state.marshal()).filter(isGroupInstall);
    expect(installs.length).toBeGreaterThan(0);
    for (const i of installs) {
      expect(args(i)).toContain("pip");
      expect(args(i).join(" ")).not.toContain("pip.whl");
    }
    expect(image.state.marshal().def.some((op) => Buffer.from(op).toString("latin1").includes("imagespec-frontend"))).toBe(false);
    // Not on a Python the pip cannot run on, nor for uv.
    const old = firstRequest({ ...s, python_version: "3.8" }, { ...withOwn, python: { interpreters: [{ path: "/usr/bin/python3.8", version: "3.8" }], venvs: [], defaultVersion: "3.8" } });
    const oldResolve = execOps(old.state.marshal()).find((o) => args(o).includes("--dry-run"))!;
    expect(args(oldResolve).slice(args(oldResolve).indexOf("--") + 1).slice(0, 3)).toEqual(["/opt/venv/bin/python", "-m", "pip"]);
    const uv = firstRequest(s, { settings: { installer: "uv", resolverPip: own } });
    expect(execOps(uv.state.marshal()).some((o) => args(o).includes("compile"))).toBe(true);
    expect(execOps(uv.state.marshal()).some((o) => args(o).join(" ").includes("pip.whl"))).toBe(false);
  });

  it("with the frontend's own pip, resolves beside the venv: on the filesystem the venv is made on, in a venv made there without pip, the real one warmed up meanwhile", async () => {
    const own = { image: "registry.test/imagespec-frontend@sha256:" + "f".repeat(64), dir: "imagespec/pip" };
    const withOwn = { settings: { installer: "pip" as const, resolverPip: own } };
    const req = firstRequest(s, withOwn);
    expect(req).toMatchObject({ kind: "resolve", beside: true, basis: "beside python-env " });
    const ops = decodeOps(req.state.marshal());
    const resolve = ops.find((o) => o.op.exec && args(o).includes("--dry-run"))!;
    expect(args(resolve).slice(0, 8)).toEqual(["/usr/bin/python3.11", "-I", "/run/imagespec/optimize/tools/driver.py", "venv", "/run/imagespec/optimize/out", "/opt/venv", "0", "--"]);
    expect(args(resolve).slice(8, 11)).toEqual(["/opt/venv/bin/python", "-I", "/run/imagespec/optimize/tools/driver.py"]);
    expect(rootfsOf(resolve, ops).op.source.identifier).toContain("registry.test/python:3.11");
    expect(ops.some((o) => o.op.exec && args(o).includes("-m") && args(o).includes("venv"))).toBe(false);
    const pipOnly = spec([PIP(["requests"])]);
    const warm = warmUpPlan(planSpec(pipOnly, withOwn).plan)!;
    const warmed = warm.steps.find((x) => warm.result.kind === "step" && x.id === warm.result.id) as ExecStep;
    expect(warmed.args).toEqual(["/usr/bin/python3.11", "-m", "venv", "/opt/venv"]);
    expect(warmUpPlan(planSpec(pipOnly, pip).plan)).toBeUndefined();
    expect(warmUpPlan(planSpec(pipOnly, withOwn).plan, { venv: false })).toBeUndefined();
    // An answer is kept, an upgrade of what ensurepip put in the venv too (its metadata is in the venv the step resolves in).
    const basis = (a: AskedRequest) => (a.kind === "resolve" ? a.basis : a.kind);
    const upgrade = await phases(s, () => ok([...ML, wheel("setuptools", "80.9.0", { requested: false })]), withOwn);
    expect(upgrade.asked.map(basis)).toEqual(["beside python-env ", "inspect"]);
    expect(execOps(upgrade.image.state.marshal()).some((o) => args(o).includes("setuptools") && !isGroupInstall(o))).toBe(true);
    // A failed answer from beside the venv is asked again on it too: the venv's answer is the one to report.
    let calls = 0;
    const failed = await phases(s, () => (calls++ === 0 ? { ok: false, reason: "making a venv to resolve in failed" } : ok(ML)), withOwn);
    expect(failed.asked.map(basis)).toEqual(["beside python-env ", "python-env ", "inspect"]);
    const again = decodeOps(failed.asked[1]!.state.marshal());
    expect(args(rootfsOf(again.find((o) => o.op.exec && args(o).includes("--dry-run"))!, again)).join(" ")).toContain("-m venv /opt/venv");
    // Not after a command, nor for uv.
    const afterCommand = await phases(spec([{ commands: { cmd: ["true"] } }, PIP(["requests"])]), () => ok(ML.slice(2)), withOwn);
    expect(afterCommand.asked.map(basis)[0]).toMatch(/^whole/);
    expect(firstRequest(s, { settings: { installer: "uv", resolverPip: own } })).toMatchObject({ beside: false });
  });

  it("then what each package layer holds, then the image: one install step per group, each on the venv, each package's files a layer of its own, merged with the rest", async () => {
    const { image, asked } = await phases(s, () => ok(ML), pip);
    expect(asked.map((a) => a.kind)).toEqual(["resolve", "inspect"]);
    const inspect = asked[1] as Extract<AskedRequest, { kind: "inspect" }>;
    expect(inspect.ids).toEqual(["filelock==3.16.1", "torch==2.13.0+cpu", "requests==2.32.3"]);
    expect(inspect.sitePackages).toBe("/opt/venv/lib/python3.11/site-packages");
    // One step reads them all, in the order of the ids: for each, the summary its install step
    // wrote (its directory of the step's facts output), not the layer, so no layer is pulled.
    const inspectOps = decodeOps(inspect.state.marshal());
    const reader = inspectOps.find((o) => o.op.exec && args(o).includes("inspect"))!;
    expect(args(reader).slice(args(reader).indexOf("--") + 1)).toEqual(inspect.ids);
    const layerMounts = (reader.op.exec.mounts as { dest: string; input: number; selector?: string }[]).filter((m) => m.dest.startsWith("/run/imagespec/optimize/layers/"));
    expect(layerMounts.map((m) => m.dest)).toEqual(["/run/imagespec/optimize/layers/0", "/run/imagespec/optimize/layers/1", "/run/imagespec/optimize/layers/2"]);
    for (const m of layerMounts) {
      const input = reader.op.inputs[m.input] as { digest: string; index?: number };
      const installer = byDigest(inspectOps).get(input.digest)!;
      expect(isGroupInstall(installer)).toBe(true);
      const facts = (installer.op.exec.mounts as { dest: string; output?: number }[]).find((x) => x.dest === "/run/imagespec/optimize/facts")!;
      expect(facts.output ?? 0).toBe(input.index ?? 0);
      expect(m.selector).toBe(String(groupMembers(installer).indexOf(inspect.ids[layerMounts.indexOf(m)]!.split("==")[0]!)));
    }
    const def = image.state.marshal();
    const ops = decodeOps(def);
    const installs = execOps(def).filter((o) => args(o).includes("install") && args(o).includes("--no-deps"));
    expect(installs).toHaveLength(3);
    for (const op of installs) {
      expect(args(op)).toEqual(expect.arrayContaining(["--index-url", INDEX]));
      // The pins go as argv (the driver writes the requirements file): no file op before the step.
      expect(args(op)).not.toContain("-r");
      expect(op.op.exec.mounts.map((m: { dest: string }) => m.dest)).not.toContain("/run/imagespec/optimize/in");
      expect(envOf(op).SOURCE_DATE_EPOCH).toBe("0");
      expect(args(rootfsOf(op, ops)).join(" ")).toContain("-m venv");
    }
    // A dependency installed alone is not marked as requested; what the layer named is.
    const torch = installs.find((o) => args(o).includes("torch"))!;
    // A wheel alone in its step is installed by pip straight into its output directory.
    expect(args(torch).slice(args(torch).indexOf("install-into"), args(torch).indexOf("--"))).toEqual(["install-into", "/run/imagespec/optimize/packages/0", "/run/imagespec/optimize/facts", "torch", "1", `torch==2.13.0+cpu --hash=sha256:${sha("t")}`]);
    expect(args(torch).slice(args(torch).indexOf("--root"), args(torch).indexOf("--root") + 2)).toEqual(["--root", "/run/imagespec/optimize/packages/0"]);
    const filelock = installs.find((o) => args(o).includes("filelock"))!;
    expect(args(filelock)[args(filelock).indexOf("filelock") + 1]).toBe("0");
    expect(installs.flatMap(groupPins).map((m) => m.pin)).toEqual(expect.arrayContaining([`filelock==3.16.1 --hash=sha256:${sha("f")}`, `requests==2.32.3 --hash=sha256:${sha("r")}`]));
    // Each layer is the install step's output directory for that package: no diff, no copy.
    // Two diffs: the copied app's, and apt's and the workdir's above the venv (moved after the packages).
    expect(ops.filter((o) => o.op.diff)).toHaveLength(2);
    const merges = ops.filter((o) => o.op.merge);
    expect(merges).toHaveLength(1);
    const installDigests = new Set(installs.map((o) => o.digest));
    const fromInstalls = (merges[0]!.op.inputs as { digest: string; index?: number }[]).filter((i) => installDigests.has(i.digest));
    expect(fromInstalls).toHaveLength(3);
    for (const i of fromInstalls) {
      const mounts = ops.find((o) => o.digest === i.digest)!.op.exec.mounts as { dest: string; output?: number }[];
      expect(mounts.find((m) => (m.output ?? 0) === Number(i.index ?? 0))!.dest).toMatch(/^\/run\/imagespec\/optimize\/packages\/\d+$/);
    }
    // base + venv, then the packages largest first, then apt and the workdir (so a change to them
    // leaves the packages' chain as it was), then the copied app.
    const layersMade = image.config.history!.filter((h) => !h.empty_layer).map((h) => h.created_by ?? "");
    expect(layersMade.slice(1)).toEqual([
      expect.stringContaining("-m venv"),
      "[2/5] pip install torch==2.13.0+cpu (package layer 1 of 3)",
      "[2/5] pip install requests==2.32.3 (package layer 2 of 3)",
      "[2/5] pip install filelock==3.16.1 (package layer 3 of 3)",
      expect.stringContaining("apt-get install jq"),
      "WORKDIR /app",
      "COPY src .",
    ]);
    expect(merges[0]!.op.inputs).toHaveLength(6);
    const tail = byDigest(ops).get(merges[0]!.op.inputs[4].digest)!;
    expect(tail.op.diff).toBeDefined();
    expect(byDigest(ops).get(tail.op.inputs[0].digest)!.digest).toBe(merges[0]!.op.inputs[0].digest);
  });

  it("refuses a package layer that came back without its package, naming it", async () => {
    const empty = (id: string) => (id.startsWith("torch") ? { size: 0, count: 0, shared: [] } : sizes(id));
    await expect(phases(s, () => ok(ML), pip, empty)).rejects.toThrow(/the layer of torch==2\.13\.0\+cpu came back from BuildKit without the installed package .* prune it/);
  });

  it("gives each package's layer an output of its install step, the same step for the same packages in another spec", async () => {
    const installs = async (sp: object) =>
      execOps((await phases(sp, () => ok(ML), pip)).image.state.marshal())
        .filter(isGroupInstall)
        .map((o) => [groupMembers(o).join(" "), o.digest] as const);
    const a = await installs(s);
    expect(a.map(([members]) => members).sort()).toEqual(["filelock", "requests", "torch"]);
    const b = await installs(spec([PIP(["torch==2.13.0+cpu", "requests"]), { env: { env_variables: { OTHER: "1" } } }]));
    expect(b.map(([, digest]) => digest).sort()).toEqual(a.map(([, digest]) => digest).sort());
  });

  it("installs a wheel with compiled code alone, its light dependencies in one step, a light package with its own in another", async () => {
    const dists = [
      ML[0]!,
      wheel("filelock", "3.16.1", { requested: false }),
      wheel("sympy", "1.14.0", { requested: false, requires: ["mpmath"] }),
      wheel("mpmath", "1.3.0", { requested: false }),
      wheel("requests", "2.32.3", { requires: ["idna", "certifi"] }),
      wheel("idna", "3.20", { requested: false }),
      wheel("certifi", "2026.7.22", { requested: false }),
    ];
    dists[0] = { ...dists[0]!, requires: ["filelock", "sympy"] };
    const groupsOf = async (d: ResolvedDist[]) =>
      execOps((await phases(spec([PIP(["torch==2.13.0+cpu", "requests"])]), () => ok(d), pip)).image.state.marshal())
        .filter(isGroupInstall)
        .map((o) => [groupMembers(o).sort().join(" "), o.digest] as const);
    const groups = await groupsOf(dists);
    expect(groups.map(([m]) => m).sort()).toEqual(["certifi idna requests", "filelock mpmath sympy", "torch"]);
    // A sibling with another light package shares torch's steps; adding one leaves the others be.
    const sibling = await groupsOf([...dists.slice(0, 4), wheel("click", "8.1.7")]);
    expect(sibling.map(([m]) => m).sort()).toEqual(["click", "filelock mpmath sympy", "torch"]);
    for (const [m, digest] of sibling.filter(([m]) => m !== "click")) expect(groups.find(([g]) => g === m)![1]).toBe(digest);
  });

  it("gives a group's small pure-Python wheels (their size known from the resolve) one layer together, and a larger one or one of unknown size its own", async () => {
    const sized = (d: ResolvedDist, bytes: number): ResolvedDist => ({ ...d, source: { ...(d.source as Extract<ResolvedDist["source"], { kind: "wheel" }>), size: bytes } });
    const dists = [
      { ...ML[0]!, requires: ["filelock"] },
      sized(wheel("filelock", "3.16.1", { requested: false }), 16 << 10),
      sized(wheel("idna", "3.20", { requested: false }), 68 << 10),
      sized(wheel("certifi", "2026.7.22", { requested: false }), 160 << 10),
      wheel("chardet", "5.2.0", { requested: false }),
      sized(wheel("urllib3", "2.5.0", { requested: false }), 300 << 10),
      sized(wheel("requests", "2.32.3", { requires: ["idna", "certifi", "chardet", "urllib3"] }), 63 << 10),
    ];
    const { image, asked } = await phases(spec([PIP(["torch==2.13.0+cpu", "requests"])]), () => ok(dists), pip);
    const group = execOps(image.state.marshal()).filter(isGroupInstall).find((o) => groupMembers(o).includes("requests"))!;
    const slotOf = Object.fromEntries(groupPins(group).map((m) => [m.name, m.slot]));
    expect(slotOf.idna).toBe(slotOf.certifi);
    expect(slotOf.requests).toBe(slotOf.idna);
    expect(new Set(Object.values(slotOf)).size).toBe(3);
    const outputs = (group.op.exec.mounts as { dest: string; output?: number }[]).filter((m) => m.output !== undefined && m.output >= 0);
    expect(outputs.map((m) => m.dest).sort()).toEqual(["/run/imagespec/optimize/facts", "/run/imagespec/optimize/packages/0", "/run/imagespec/optimize/packages/1", "/run/imagespec/optimize/packages/2"]);
    expect(group.name).toContain("(5 packages of 7, 3 layers)");
    const inspect = asked.find((a) => a.kind === "inspect") as Extract<AskedRequest, { kind: "inspect" }>;
    expect(inspect.ids).toEqual(expect.arrayContaining(["filelock==3.16.1", "torch==2.13.0+cpu", "idna==3.20, certifi==2026.7.22, requests==2.32.3", "chardet==5.2.0", "urllib3==2.5.0"]));
    expect(inspect.ids).toHaveLength(5);
  });

  it("keeps a wheel's install step the same whatever workdir and env the spec sets before it, but for what the installer reads", async () => {
    const installs = async (before: object[]) =>
      execOps((await phases(spec([...before, PIP(["torch==2.13.0+cpu", "requests"])]), () => ok(ML), pip)).image.state.marshal())
        .filter((o) => args(o).includes("install") && args(o).includes("--no-deps"))
        .map((o) => o.digest)
        .sort();
    const plain = await installs([]);
    expect(plain).toHaveLength(3);
    expect(await installs([{ workdir: { workdir: "/srv/app" } }, { env: { env_variables: { APP_MODE: "prod", LOG_LEVEL: "debug" } } }])).toEqual(plain);
    const proxied = await installs([{ env: { env_variables: { HTTPS_PROXY: "http://proxy.corp:3128", PIP_TIMEOUT: "60" } } }]);
    expect(proxied.filter((d) => plain.includes(d))).toEqual([]);
    const torch = execOps((await phases(spec([{ env: { env_variables: { PIP_TIMEOUT: "60", APP_MODE: "prod" } } }, PIP(["torch==2.13.0+cpu"])]), () => ok(ML.slice(0, 1)), pip)).image.state.marshal()).find((o) => args(o).includes("torch"))!;
    expect(envOf(torch)).toMatchObject({ PIP_TIMEOUT: "60" });
    expect(envOf(torch).APP_MODE).toBeUndefined();
    expect(torch.op.exec.meta.cwd).toBe("/");
  });

  it("keeps every package step the same when the apt list changes", async () => {
    const withApt = (pkgs: string[]) => spec([APT(pkgs), PIP(["torch==2.13.0+cpu", "requests"])]);
    const digests = async (pkgs: string[]) =>
      execOps((await phases(withApt(pkgs), () => ok(ML), pip)).image.state.marshal())
        .filter(isGroupInstall)
        .map((o) => o.digest)
        .sort();
    const before = await digests(["jq"]);
    expect(before).toHaveLength(3);
    expect(await digests(["jq", "less"])).toEqual(before);
  });

  it("installs what the environment already has at that version only once, and an sdist on top of everything before it", async () => {
    const dists = [wheel("pip", "23.0.1"), wheel("built", "1.0", { source: { kind: "sdist", filename: "built-1.0.tar.gz", sha256: [], fromContext: false } })];
    const { image } = await phases(spec([APT(["libpq-dev"]), PIP(["built"])]), () => ok(dists), pip);
    const def = image.state.marshal();
    const ops = decodeOps(def);
    const installs = execOps(def).filter((o) => args(o).includes("--no-deps"));
    expect(installs.map((o) => args(o)[args(o).indexOf("install") + 1])).toEqual(["built"]);
    const onto = rootfsOf(installs[0]!, ops);
    expect(onto.op.merge ?? onto.op.exec).toBeDefined();
    const chain = JSON.stringify(onto.op.merge ? onto.op.inputs.map((i: any) => byDigest(ops).get(i.digest)?.name) : args(onto));
    expect(chain).toContain("libpq-dev");
  });

  it("upgrades what the base image has with a layer that keeps the deletions: the diff itself, kept apart", async () => {
    const dists = [wheel("setuptools", "84.0.0", { requested: false }), wheel("torch", "2.13.0+cpu", { requires: ["setuptools"] })];
    const { image } = await phases(spec([PIP(["torch==2.13.0+cpu"])]), () => ok(dists), { settings: { installer: "pip", maxLayers: 3 } });
    const ops = decodeOps(image.state.marshal());
    const merge = ops.find((o) => o.op.merge)!;
    const inputs = merge.op.inputs.map((i: any) => byDigest(ops).get(i.digest)!);
    // Over a budget of one package layer, the layer that must stay apart still does.
    expect(inputs.map((o: DecodedOp) => (o.op.diff ? "diff" : o.op.exec && isGroupInstall(o) ? "install" : "other"))).toEqual(["other", "diff", "install"]);
    expect(inputs[1]!.name).toBe("[1/1] layer of setuptools==84.0.0 (replaces setuptools 66.1.1)");
  });

  it("installs a layer in one step, saying why, when it changes what an earlier layer installed", async () => {
    const s2 = spec([PIP(["tinyjson==1.0.0"]), PIP(["tinyjson==1.1.0"])]);
    const { image, asked } = await phases(s2, (layer) => (layer === 0 ? ok([wheel("tinyjson", "1.0.0")]) : { ok: false, reason: "ERROR: Cannot install tinyjson==1.1.0" }), pip);
    expect(asked.map((a) => a.kind)).toEqual(["resolve", "resolve", "inspect"]);
    // Both resolves are asked at once: the second runs on the first one's answer, the pins it writes.
    const second = decodeOps((asked[1] as Extract<AskedRequest, { kind: "resolve" }>).state.marshal());
    const [first, chained] = second.filter((o) => o.op.exec && args(o).includes("resolve"));
    expect(args(chained!)).toContain("/run/imagespec/optimize/previous/pins-out.txt");
    const previous = (chained!.op.exec.mounts as { dest: string; input: number }[]).find((m) => m.dest === "/run/imagespec/optimize/previous")!;
    expect(chained!.op.inputs[previous.input].digest).toBe(first!.digest);
    expect(mkfileText(second, "/pins.txt")).toEqual([]);
    expect(image.notes).toEqual(["layers[1]: installed in one step, not package by package: resolving it against what is installed failed: ERROR: Cannot install tinyjson==1.1.0"]);
    const names = execOps(image.state.marshal()).map((o) => o.name ?? "");
    expect(names).toContain("[2/2] pip install tinyjson==1.1.0 (one step: resolving it against what is installed failed: ERROR: Cannot install tinyjson==…)");
  });

  it("installs in one step what cannot stand alone, or options it cannot split, naming the reason", async () => {
    const editable = (await phases(spec([PIP(["mine"])]), () => ok([wheel("mine", "1", { source: { kind: "unsupported", why: "an editable install (file:///src)" } })]), pip)).image;
    expect(editable.notes[0]).toContain("mine comes from an editable install (file:///src)");
    const target = await phases(spec([PIP(["x"], "--target /x")]), () => ok([]), pip);
    expect(target.asked).toEqual([]);
    expect(target.image.notes[0]).toContain("the option --target cannot be honoured package by package");
  });

  it("keeps the image within the layer budget, the base image's layers counted", async () => {
    const many = Array.from({ length: 150 }, (_, i) => wheel(`p${String(i).padStart(3, "0")}`, "1.0"));
    const { image } = await phases(spec([PIP(["all"])]), () => ok(many), { ...pip, settings: { installer: "pip", maxLayers: 20 } });
    const ours = image.config.history!.slice(1).filter((h) => !h.empty_layer);
    expect(image.config.rootfs!.diff_ids.length + ours.length).toBe(20);
    const tail = image.config.history!.find((h) => h.created_by?.includes("and 130 more"));
    expect(tail?.created_by).toMatch(/^\[python\] package layer 18 of 18: /);
  });
});

describe("optimize, uv installer and projects (LLB only: no uv runs here)", () => {
  it("resolves with uv pip compile to a PEP 751 lock and installs each package with uv pip install --no-deps", async () => {
    const { image, asked } = await phases(spec([PIP(["torch==2.13.0+cpu", "requests"])]), () => ok(ML));
    const resolve = decodeOps((asked[0] as Extract<AskedRequest, { kind: "resolve" }>).state.marshal());
    const compileOp = resolve.find((o) => o.op.exec && args(o).includes("compile"))!;
    expect(args(compileOp)).toEqual(expect.arrayContaining(["/opt/imagespec/uv/uv", "pip", "compile", "--format", "pylock.toml", "--output-file", "/run/imagespec/optimize/out/pylock.toml", "/run/imagespec/optimize/in/requirements.in"]));
    // uv does not read the environment, so the driver pins what is installed (the "1").
    expect(args(compileOp)[args(compileOp).indexOf("--") - 1]).toBe("1");
    expect(mkfileText(resolve, "/requirements.in")).toEqual(["torch==2.13.0+cpu\nrequests\n"]);
    const installs = execOps(image.state.marshal()).filter((o) => args(o).includes("--no-deps"));
    expect(installs).toHaveLength(3);
    expect(args(installs[0]!)).toEqual(expect.arrayContaining(["/opt/imagespec/uv/uv", "pip", "install", "--python", "/opt/venv/bin/python", "--no-deps"]));
  });

  it("takes a uv project's packages from its uv.lock and installs the project itself after them", async () => {
    const pyproject = '[project]\nname = "app"\nversion = "0.1.0"\ndependencies = ["requests"]\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n';
    const lock = `version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "requests" }]
[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.org/simple" }
`;
    const s = spec([{ uv_project: { pyproject: "app/pyproject.toml", uvlock: "app/uv.lock" } }]);
    const { image, asked } = await phases(s, () => ok([wheel("requests", "2.32.3")]), { files: { "app/pyproject.toml": pyproject, "app/uv.lock": lock } });
    const resolve = decodeOps((asked[0] as Extract<AskedRequest, { kind: "resolve" }>).state.marshal());
    expect(mkfileText(resolve, "/requirements.in")).toEqual(["requests==2.32.3\n"]);
    expect(args(resolve.find((o) => o.op.exec && args(o).includes("compile"))!)).toContain("--no-deps");
    const names = execOps(image.state.marshal()).map((o) => o.name ?? "");
    expect(names).toEqual(expect.arrayContaining([expect.stringContaining("uv pip install requests==2.32.3"), expect.stringContaining("uv pip install app (the project, without dependencies)")]));
    expect(image.config.history!.at(-1)!.created_by).toContain("the project, without dependencies");
  });

  const POETRY_PYPROJECT = `[tool.poetry]
name = "svc"
version = "0.1.0"
[tool.poetry.dependencies]
python = "^3.11"
requests = "^2.32"
foo = { version = "^1", extras = ["x"] }
[tool.poetry.group.dev.dependencies]
pytest = "^8"
[tool.poetry.group.docs]
optional = true
[tool.poetry.group.docs.dependencies]
sphinx = "^8"
`;
  const POETRY_LOCK = `[[package]]
name = "requests"
version = "2.32.3"
[package.dependencies]
certifi = ">=2017"
urllib3 = { version = ">=1.21", markers = "sys_platform != 'win32'" }
colorama = { version = "*", optional = true }
[[package]]
name = "certifi"
version = "2024.8.30"
[[package]]
name = "urllib3"
version = "2.2.3"
[[package]]
name = "Foo"
version = "1.2.0"
[package.extras]
x = ["bar (>=1)"]
[[package]]
name = "bar"
version = "1.0.0"
[[package]]
name = "pytest"
version = "8.3.3"
[[package]]
name = "sphinx"
version = "8.1.0"
[metadata]
lock-version = "2.1"
`;
  const poetry = (extra = "") => spec([{ poetry_project: { pyproject: "pyproject.toml", poetry_lock: "poetry.lock", ...(extra ? { extra_args: extra } : {}) } }]);
  const poetryFiles = { files: { "pyproject.toml": POETRY_PYPROJECT, "poetry.lock": POETRY_LOCK } };

  it("takes a poetry project's packages from poetry.lock as poetry would choose them, then lets poetry install the project only", async () => {
    const dists = [wheel("requests", "2.32.3"), wheel("certifi", "2024.8.30"), wheel("urllib3", "2.2.3"), wheel("Foo", "1.2.0"), wheel("bar", "1.0.0"), wheel("pytest", "8.3.3")];
    const { image, asked } = await phases(poetry(), () => ok(dists), poetryFiles);
    const resolve = decodeOps((asked[0] as Extract<AskedRequest, { kind: "resolve" }>).state.marshal());
    expect(mkfileText(resolve, "/requirements.in")).toEqual(["bar==1.0.0\ncertifi==2024.8.30\nFoo==1.2.0\npytest==8.3.3\nrequests==2.32.3\nurllib3==2.2.3 ; sys_platform != 'win32'\n"]);
    const execs = execOps(image.state.marshal());
    expect(execs.filter((o) => args(o).includes("--no-deps")).flatMap(groupMembers).sort()).toEqual(["Foo", "bar", "certifi", "pytest", "requests", "urllib3"]);
    const root = execs.find((o) => args(o).includes("--only-root"))!;
    expect(root.name).toBe("[1/1] poetry install pyproject.toml (the project only)");
    expect(image.config.history!.at(-1)!.created_by).toBe("[1/1] poetry install pyproject.toml (the project only)");
    const deps = (await phases(poetry("--no-root"), () => ok(dists), poetryFiles)).image;
    expect(execOps(deps.state.marshal()).some((o) => args(o).includes("--only-root"))).toBe(false);
  });

  it("leaves a poetry project to poetry in one step, saying why, for poetry options or what the lock cannot pin", async () => {
    const withGroup = await phases(poetry("--with docs"), () => ok([]), poetryFiles);
    expect(withGroup.asked).toEqual([]);
    expect(withGroup.image.notes).toEqual(["layers[0]: installed in one step, not package by package: extra_args --with docs are poetry options"]);
    expect(execOps(withGroup.image.state.marshal()).some((o) => args(o).join(" ").includes("poetry install"))).toBe(true);
    const gitLock = POETRY_LOCK.replace('name = "bar"\nversion = "1.0.0"', 'name = "bar"\nversion = "1.0.0"\nsource = { type = "git", url = "https://git.example/bar" }');
    const git = await phases(poetry(), () => ok([]), { files: { "pyproject.toml": POETRY_PYPROJECT, "poetry.lock": gitLock } });
    expect(git.image.notes[0]).toContain('poetry.lock takes "bar" from a git source (https://git.example/bar)');
  });
});

describe("optimize mode", () => {
  const caps = (ids: string[]) => ({ gateway: new CapSet([]), llb: new CapSet(ids.map((id) => ({ id, enabled: true }))) });

  it("is on when asked for and the daemon can merge and diff", async () => {
    expect(optimizeMode(true, caps(["mergeop", "diffop"]), true)).toEqual({ on: true });
    expect(optimizeMode(false, caps(["mergeop", "diffop"]), true)).toEqual({ on: false });
  });

  it("falls back to one layer per spec entry with one notice on a daemon without the caps", async () => {
    expect(optimizeMode(true, caps(["mergeop"]), true)).toEqual({ on: false, notice: expect.stringContaining("lacks diffop") });
    expect(optimizeMode(true, caps([]), true).notice).toMatch(/lacks mergeop and diffop .* one layer per spec entry/);
    expect(optimizeMode(true, caps([]), false)).toEqual({ on: false });
  });
});
