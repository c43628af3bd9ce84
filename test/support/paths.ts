import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const repoRoot = process.env.IMAGESPEC_REPO_ROOT ?? resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The shared reference folder sits beside the checkout (../shared/reference). */
export function referencePath(name: string): string {
  const candidates = [process.env.IMAGESPEC_SHARED_DIR, join(repoRoot, "..", "shared"), join(repoRoot, "shared")]
    .filter((d): d is string => !!d)
    .map((d) => join(d, "reference", name));
  const found = candidates.find((p) => existsSync(p));
  return found ?? join(repoRoot, "test", "fixtures", name);
}

/** BuildKit's golden LLB data; a copy is kept in test/fixtures for clones without shared/. */
export function goldenPath(): string {
  return referencePath("llb-golden.json");
}
