/**
 * The Python environment and the entries that install packages into it: pip_packages,
 * requirements and python_wheels. Each is planned as installed in one step, and marked with
 * what optimize needs to install it package by package instead.
 */
import type { Layer, Secret } from "../imagespec/model.js";
import { contextPath, parentDir } from "../common/paths.js";
import { requirementFileOptions } from "./requirement-options.js";
import { contextMounts, inContext, requirementPaths } from "./context.js";
import { installerMounts, pipInstallPrefix, reinstallFlag, UV_BIN } from "./installer.js";
import type { Mount } from "./plan.js";
import { optionArgs, type Planning } from "./planning.js";
import type { PythonPlan } from "./python.js";

type Of<K extends Layer["kind"]> = Extract<Layer, { kind: K }>;

/** Creates the venv when the base image has none to reuse, and sets the env that selects it. */
export function planPythonEnv(p: Planning, plan: PythonPlan, at: string): void {
  const b = p.b;
  const inst = p.installer!;
  b.begin(-1, at, "python-env");
  if (plan.create) {
    const clear = plan.create.clear ? ["--clear"] : [];
    if (inst.kind === "uv") {
      b.run(`[python] uv venv ${plan.venv} (python ${plan.version})`, at, [UV_BIN, "venv", ...clear, "--python", plan.create.interpreter, plan.venv], {
        mounts: installerMounts(inst),
        env: { UV_PYTHON_DOWNLOADS: "never" },
      });
    } else {
      b.run(`[python] ${plan.create.interpreter} -m venv ${plan.venv}`, at, [plan.create.interpreter, "-m", "venv", ...clear, plan.venv]);
    }
  }
  for (const [k, v] of plan.env) b.setEnv(k, v);
  b.record(`ENV ${plan.env.map(([k, v]) => `${k}=${v}`).join(" ")}`, true);
}

/** One install step on the filesystem so far, with the installer's mounts, index env and the entry's secrets. */
export function install(p: Planning, l: { at: string; secrets: readonly Secret[] }, name: string, args: string[], mounts: Mount[] = []): void {
  p.b.run(name, l.at, args, { mounts: [...installerMounts(p.installer!), ...mounts], ...(p.indexEnv ? { env: p.indexEnv } : {}), secrets: l.secrets });
}

function installerName(p: Planning): string {
  return p.installer!.kind === "uv" ? "uv pip" : "pip";
}

export function planPipPackages(p: Planning, l: Of<"pip_packages">): void {
  const opt = optionArgs(p, l.options);
  install(p, l, p.b.stepName(l, `${installerName(p)} install ${l.packages.join(" ")}`), [...pipInstallPrefix(p.installer!), ...opt, ...l.packages]);
  p.b.split({ resolve: { options: opt, targets: l.packages, uvInput: { text: l.packages.join("\n") + "\n" }, noDeps: false }, mounts: [], fileOptions: [], secrets: l.secrets });
}

export function planRequirements(p: Planning, l: Of<"requirements">): void {
  const opt = optionArgs(p, l.options);
  const file = contextPath(l.file)!;
  const paths = requirementPaths(l, p.facts);
  install(p, l, p.b.stepName(l, `pip install -r ${l.file}`), [...pipInstallPrefix(p.installer!), ...opt, "-r", inContext(l.file)], contextMounts(paths));
  const texts = p.facts.requirementTexts ?? {};
  const fileOptions = paths.flatMap((path) => {
    const dir = parentDir(path);
    return requirementFileOptions(texts[path] ?? "", (rel) => inContext(dir === "." ? rel : `${dir}/${rel}`));
  });
  p.b.split({ resolve: { options: opt, targets: ["-r", inContext(file)], uvInput: { file: inContext(file) }, noDeps: false }, mounts: contextMounts(paths), fileOptions, secrets: l.secrets });
}

/**
 * First the package, its dependencies resolved from the index with the directory as
 * find-links; then the local wheel forced over it (every wheel of the directory without a name).
 */
export function planWheels(p: Planning, l: Of<"python_wheels">): void {
  const inst = p.installer!;
  const dir = inContext(l.dir);
  const targets = l.packageName ? [l.packageName] : (p.facts.wheels[contextPath(l.dir) ?? l.dir] ?? []).map(inContext);
  if (targets.length === 0) throw new Error(`internal: no wheels listed for ${l.dir}`);
  const what = l.packageName || `${targets.length} wheel(s) from ${l.dir}`;
  const opt = optionArgs(p, l.options);
  const mounts = contextMounts([contextPath(l.dir)!]);
  install(p, l, p.b.stepName(l, `pip install ${what} (dependencies, --find-links ${l.dir})`), [...pipInstallPrefix(inst), ...opt, "--find-links", dir, ...targets], mounts);
  install(p, l, p.b.stepName(l, `pip install ${what} (local wheel, --no-deps --no-index)`), [...pipInstallPrefix(inst), ...opt, "--find-links", dir, "--no-deps", "--no-index", reinstallFlag(inst), ...targets], mounts);
  p.b.split({ resolve: { options: [...opt, "--find-links", dir], targets, uvInput: { text: targets.join("\n") + "\n" }, noDeps: false }, mounts, fileOptions: [], secrets: l.secrets });
}
