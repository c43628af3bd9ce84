/**
 * poetry_project: poetry, installed into a cache-mounted tool location (never a layer), runs
 * `poetry install` into the venv. Optimize installs the lock's packages package by package and
 * then only the project itself (`--only-root`) as its own layer.
 */
import type { Layer } from "../imagespec/model.js";
import { contextPath, fileIn, projectDir } from "../common/paths.js";
import { splitShellWords } from "../grammars/shellwords.js";
import { cacheId } from "../options/settings.js";
import type { ExecExtras, PythonSplit } from "./plan.js";
import { PROJECT_MOUNT } from "./context.js";
import { installerMounts, UV_BIN } from "./installer.js";
import type { Planning } from "./planning.js";
import { poetryLockedRequirements } from "./poetry-lock.js";
import { stepEnv } from "./reproducible.js";
import { PipCannotInstallError } from "./uv-lock.js";
import { assembledTree, projectTree } from "./uv-project.js";

type Poetry = Extract<Layer, { kind: "poetry_project" }>;

export const POETRY_TOOL_DIR = "/opt/imagespec/poetry";

/** argv and mounts of `poetry install` (`rootOnly`: only the project itself, `--only-root`). */
function poetryInstall(p: Planning, l: Poetry, rootOnly: boolean): { name: string; args: string[]; extras: ExecExtras } {
  const inst = p.installer!;
  const dir = projectDir(l.pyproject);
  const extra = rootOnly ? ["--only-root"] : splitShellWords(l.extraArgs);
  const depsOnly = extra.includes("--no-root");
  const pyprojectFile = fileIn(dir, "pyproject.toml");
  const tree = depsOnly
    ? assembledTree([
        [pyprojectFile, "pyproject.toml"],
        [l.poetryLock, "poetry.lock"],
      ])
    : projectTree(dir, [{ src: contextPath(l.poetryLock)!, dest: "/poetry.lock" }]);
  const toolVenv = POETRY_TOOL_DIR + "/venv";
  const installPoetry =
    inst.kind === "uv"
      ? `[ -x ${toolVenv}/bin/poetry ] || { ${UV_BIN} venv --python "$VIRTUAL_ENV/bin/python" ${toolVenv} && ${UV_BIN} pip install --python ${toolVenv}/bin/python poetry; }`
      : `[ -x ${toolVenv}/bin/poetry ] || { "$VIRTUAL_ENV/bin/python" -m venv ${toolVenv} && ${toolVenv}/bin/python -m pip install --disable-pip-version-check poetry; }`;
  const script = `${installPoetry} && cd ${PROJECT_MOUNT} && exec ${toolVenv}/bin/poetry install --no-interaction "$@"`;
  return {
    name: p.b.stepName(l, `poetry install ${l.pyproject}${depsOnly ? " (dependencies only)" : rootOnly ? " (the project only)" : ""}`),
    args: ["/bin/sh", "-c", script, "poetry", ...extra],
    extras: {
      mounts: [
        ...installerMounts(inst),
        { kind: "cache", dest: POETRY_TOOL_DIR, id: cacheId(p.settings, "poetry-tool"), sharing: "locked" },
        { kind: "cache", dest: "/root/.cache/pypoetry", id: cacheId(p.settings, "poetry"), sharing: "locked" },
        { kind: "tree", dest: PROJECT_MOUNT, tree, readonly: false },
      ],
      env: { ...stepEnv(p.settings), ...p.indexEnv, VIRTUAL_ENV: inst.venv, POETRY_VIRTUALENVS_CREATE: "false", POETRY_CACHE_DIR: "/root/.cache/pypoetry" },
      secrets: l.secrets,
    },
  };
}

export function planPoetryProject(p: Planning, l: Poetry): void {
  const whole = poetryInstall(p, l, false);
  p.b.run(whole.name, l.at, whole.args, whole.extras);
  p.b.split(poetrySplit(p, l));
}

/** The lock's packages (main and non-optional groups, with extras) one by one, then the project alone. */
function poetrySplit(p: Planning, l: Poetry): PythonSplit {
  const base = { mounts: [], fileOptions: [], secrets: l.secrets };
  const extra = splitShellWords(l.extraArgs);
  const other = extra.filter((a) => a !== "--no-root");
  if (other.length > 0) return { ...base, unsupported: `extra_args ${other.join(" ")} are poetry options` };
  const files = p.facts.files ?? {};
  const pyprojectFile = fileIn(projectDir(l.pyproject), "pyproject.toml");
  const lockFile = contextPath(l.poetryLock)!;
  const [pyText, lockText] = [files[pyprojectFile], files[lockFile]];
  if (pyText === undefined || lockText === undefined) return { ...base, unsupported: `${pyText === undefined ? pyprojectFile : lockFile} was not read` };
  let deps: string[];
  try {
    deps = poetryLockedRequirements(pyText, lockText);
  } catch (e) {
    if (e instanceof PipCannotInstallError) return { ...base, unsupported: e.message };
    throw e;
  }
  const resolve = deps.length > 0 ? { options: [], targets: deps, uvInput: { text: deps.join("\n") + "\n" }, noDeps: true } : undefined;
  return { ...base, ...(resolve ? { resolve } : {}), ...(extra.includes("--no-root") ? {} : { app: poetryInstall(p, l, true) }) };
}
