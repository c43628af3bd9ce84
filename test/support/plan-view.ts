/**
 * A plan as a reviewer reads it: one line per mount, filesystems named by the step that makes
 * them, and each exec's env shown only where it differs from the previous exec's.
 */
import type { Env, Fs, Mount, Plan, Step } from "../../frontend/plan/plan.js";

export function fsName(f: Fs): string {
  switch (f.kind) {
    case "base":
      return "base";
    case "scratch":
      return "scratch";
    case "step":
      return f.id;
    case "output":
      return `${f.id}:${f.dest}`;
    case "merge":
      return `merge(${f.of.map(fsName).join(", ")})`;
    case "diff":
      return `diff(${fsName(f.lower)} → ${fsName(f.upper)})${f.name ? ` "${f.name}"` : ""}`;
  }
}

function mountLine(m: Mount): string {
  switch (m.kind) {
    case "cache":
      return `${m.dest}: cache ${m.id} (${m.sharing})`;
    case "context":
      return `${m.dest}: context ${m.path ?? "(all)"}`;
    case "uv":
      return `${m.dest}: the uv image`;
    case "resolver-pip":
      return `${m.dest}: the frontend image's pip`;
    case "tree":
      return `${m.dest}: ${m.readonly ? "" : "writable "}tree ${m.tree.ops.map((op) => op.copies.map((c) => `${c.src}${c.contents ? "/*" : ""} → ${c.dest}`).join(" + ")).join(", then ")}`;
    case "files":
      return `${m.dest}: files ${Object.keys(m.files).join(", ")} ("${m.name}")`;
    case "output":
      return `${m.dest}: output`;
    case "fs":
      return `${m.dest}: ${fsName(m.fs)}`;
    case "secret":
      return `${m.dest}: secret ${m.id} (mode ${m.mode.toString(8)})`;
  }
}

const envLines = (env: Env) => env.map(([k, v]) => `${k}=${v}`);

export function planView(plan: Plan): object {
  let lastEnv: Env | undefined;
  const step = (s: Step): object => {
    switch (s.kind) {
      case "exec": {
        const env = s.env !== lastEnv && JSON.stringify(s.env) !== JSON.stringify(lastEnv) ? { env: envLines(s.env) } : {};
        lastEnv = s.env;
        return {
          [s.id]: s.name,
          on: fsName(s.on),
          ...env,
          ...(s.cwd !== "/" ? { cwd: s.cwd } : {}),
          argv: JSON.stringify(s.args),
          ...(s.extraEnv ? { extraEnv: s.extraEnv } : {}),
          mounts: s.mounts.map(mountLine),
          ...(s.secretEnv ? { secretEnv: s.secretEnv.map((e) => `${e.name} ← secret ${e.id}`) } : {}),
        };
      }
      case "mkdir":
        return { [s.id]: s.name, on: fsName(s.on), mkdir: s.path };
      case "copy":
        return { [s.id]: s.name, on: fsName(s.on), copy: `${s.src} → ${s.dest} (in ${s.cwd})`, ...(s.owner ? { owner: `${s.owner.user}:${s.owner.group}` } : {}) };
      case "package-layer":
        return { [s.id]: s.name, layerOf: s.dist, from: fsName(s.from) };
      case "squash":
        return { [s.id]: s.name, squash: s.of.map(fsName) };
    }
  };
  return {
    base: plan.base.ref,
    ...(plan.installer ? { installer: `${plan.installer.kind}, venv ${plan.installer.venv}, python ${plan.installer.python}` } : {}),
    contextPaths: plan.contextPaths,
    steps: plan.steps.map(step),
    result: fsName(plan.result),
    env: envLines(plan.env),
    cwd: plan.cwd,
    history: plan.history.map((h) => `${h.emptyLayer ? "(empty) " : ""}${h.createdBy}`),
    ...(plan.notes.length > 0 ? { notes: plan.notes } : {}),
  };
}
