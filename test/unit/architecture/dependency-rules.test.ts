/** The dependency rules of .dependency-cruiser.cjs hold on the tree, and catch what they are meant to. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../support/paths.js";

const config = createRequire(import.meta.url)(join(repoRoot, ".dependency-cruiser.cjs"));

async function violations(root: string, dirs: string[]): Promise<string[]> {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const out = await cruise(dirs, { ruleSet: config, validate: true, ...config.options });
    const result = out.output as ICruiseResult;
    return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
  } finally {
    process.chdir(cwd);
  }
}

describe("dependency rules", () => {
  it("hold on the project's own code", async () => {
    expect(await violations(repoRoot, ["frontend", "client", "common", "llb"])).toEqual([]);
  }, 60_000);

  it("refuse LLB in the plan, a later stage in the spec reader, LLB graphs outside lowering, and cycles", async () => {
    const root = mkdtempSync(join(tmpdir(), "depcheck-"));
    const files: Record<string, string> = {
      "llb/src/state.ts": "export const scratch = 1;\n",
      "llb/src/platform.ts": "export const LINUX_AMD64 = 1;\n",
      "frontend/plan/plan.ts": 'import { scratch } from "../../llb/src/state.js";\nexport const plan = scratch;\n',
      "frontend/imagespec/load.ts": 'import { plan } from "../plan/plan.js";\nexport const load = plan;\n',
      "frontend/gateway/build.ts": 'import { scratch } from "../../llb/src/state.js";\nimport { LINUX_AMD64 } from "../../llb/src/platform.js";\nexport const b = [scratch, LINUX_AMD64];\n',
      "frontend/lower/lower.ts": 'import { scratch } from "../../llb/src/state.js";\nimport { b } from "./other.js";\nexport const l = [scratch, b];\n',
      "frontend/lower/other.ts": 'import { l } from "./lower.js";\nexport const b = l;\n',
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, name)), { recursive: true });
      writeFileSync(join(root, name), text);
    }
    expect(await violations(root, ["frontend", "llb"])).toEqual([
      "imagespec-imports-no-later-stage: frontend/imagespec/load.ts → frontend/plan/plan.ts",
      "no-cycles: frontend/lower/lower.ts → frontend/lower/other.ts",
      "only-lower-builds-llb: frontend/gateway/build.ts → llb/src/state.ts",
      "only-lower-builds-llb: frontend/plan/plan.ts → llb/src/state.ts",
      "plan-and-optimize-know-no-llb: frontend/plan/plan.ts → llb/src/state.ts",
    ]);
  }, 60_000);
});
