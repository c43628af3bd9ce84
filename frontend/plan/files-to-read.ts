/** Context files the planner reads itself, which the gateway fetches before planning. */
import type { ImageSpec } from "../imagespec/model.js";
import { contextPath, fileIn, projectDir } from "../common/paths.js";

export function filesToRead(spec: ImageSpec, installer: "uv" | "pip", optimize = false): string[] {
  const out: string[] = [];
  for (const l of spec.layers) {
    if (l.kind === "poetry_project" && optimize) out.push(fileIn(projectDir(l.pyproject), "pyproject.toml"), contextPath(l.poetryLock)!);
    if (l.kind !== "uv_project") continue;
    // Both installers need to know whether the project is a package; pip and optimize also need the lock.
    out.push(fileIn(projectDir(l.pyproject), "pyproject.toml"));
    if ((installer === "pip" || optimize) && l.uvlock) out.push(contextPath(l.uvlock)!);
  }
  return [...new Set(out)];
}
