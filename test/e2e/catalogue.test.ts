/** Issue 6: bad specs fail through buildx before any build step, showing the spec line. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/paths.js";
import { buildx, makeContext } from "./harness.js";

interface BadSpec {
  name: string;
  spec: string;
  e2e?: boolean;
  errors: { path: string; line?: number; message: string }[];
}

const entries = (parse(readFileSync(join(repoRoot, "test/fixtures/bad-specs.yaml"), "utf8")) as BadSpec[]).filter((c) => c.e2e);

describe("bad specs through buildx", () => {
  it.each(entries.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const ctx = makeContext({ "spec.yaml": c.spec });
    const r = await buildx(ctx, { file: "spec.yaml" });
    expect(r.code).not.toBe(0);
    for (const e of c.errors) {
      expect(r.stderr).toContain(e.message);
      if (e.line) {
        expect(r.stderr).toContain(`spec.yaml:${e.line}`);
        // BuildKit's snippet marks the offending line.
        const line = c.spec.split("\n")[e.line - 1]!;
        expect(r.stderr).toContain(`${String(e.line).padStart(4)} | >>> ${line}`);
      }
    }
    expect(r.stderr).not.toMatch(/#\d+ \[\d+\/\d+\]/); // no build step ran
  });
});
