/** Where install steps see the build context, and which of its paths they mount. */
import type { Layer } from "../imagespec/model.js";
import { contextPath, parentDir } from "../common/paths.js";
import type { Mount, Step } from "./plan.js";

/** Where the build context is mounted for install steps that read files from it. */
export const CONTEXT_MOUNT = "/run/imagespec/context";
/** Where a project directory assembled for uv/poetry is mounted. */
export const PROJECT_MOUNT = "/run/imagespec/project";

/** Facts read from the build context before planning. */
export interface ContextFacts {
  /** Wheel files found in each `python_wheels.dir` (context-relative paths). */
  wheels: Record<string, string[]>;
  /** Text of context files the planner reads itself (pyproject.toml, uv.lock, poetry.lock). */
  files?: Record<string, string>;
  /** Every file each requirements file needs (itself and what it includes), context-relative. */
  requirementFiles?: Record<string, string[]>;
  /** The text of those files (optimize reads the index options written in them). */
  requirementTexts?: Record<string, string>;
}

/** A context path as install steps see it. */
export function inContext(p: string): string {
  const c = contextPath(p) ?? ".";
  return c === "." ? CONTEXT_MOUNT : `${CONTEXT_MOUNT}/${c}`;
}

/**
 * Read-only mounts of just these context paths. BuildKit keys a mount of one path on that
 * path's content only, so editing other files does not re-run the step.
 */
export function contextMounts(paths: readonly string[]): Mount[] {
  if (paths.includes(".")) return [{ kind: "context", dest: CONTEXT_MOUNT }];
  return [...new Set(paths)].sort().map((p) => ({ kind: "context", dest: `${CONTEXT_MOUNT}/${p}`, path: p }));
}

/** Context paths a requirements entry needs: the file and what it includes; without that list, its whole directory. */
export function requirementPaths(l: Extract<Layer, { kind: "requirements" }>, facts: ContextFacts | undefined): string[] {
  const file = contextPath(l.file) ?? "";
  return facts?.requirementFiles?.[file] ?? [parentDir(file)];
}

/** Every context path the steps read, through mounts, copies and assembled trees (sorted, once each). */
export function contextPathsOf(steps: readonly Step[]): string[] {
  const paths = new Set<string>();
  for (const s of steps) {
    if (s.kind === "copy") paths.add(s.src);
    if (s.kind !== "exec") continue;
    for (const m of s.mounts) {
      if (m.kind === "context") paths.add(m.path ?? ".");
      if (m.kind === "tree") for (const op of m.tree.ops) for (const c of op.copies) paths.add(c.src);
    }
  }
  return [...paths].sort();
}
