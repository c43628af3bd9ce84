import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { loadSpec } from "../../../frontend/imagespec/load.js";
import { SpecError } from "../../../frontend/imagespec/problems.js";
import { repoRoot } from "../../support/paths.js";

export interface BadSpec {
  name: string;
  spec: string;
  e2e?: boolean;
  errors: { path: string; line?: number; message: string }[];
}

export const catalogue: BadSpec[] = parse(readFileSync(join(repoRoot, "test/fixtures/bad-specs.yaml"), "utf8"));

describe("catalogue of bad specs: exact message, path and line", () => {
  it("has at least 60 entries, at least 10 of them end to end", () => {
    expect(catalogue.length).toBeGreaterThanOrEqual(60);
    expect(catalogue.filter((c) => c.e2e).length).toBeGreaterThanOrEqual(10);
    expect(new Set(catalogue.map((c) => c.name)).size).toBe(catalogue.length);
  });

  it.each(catalogue.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    let error: unknown;
    try {
      loadSpec(new TextEncoder().encode(c.spec), "spec.yaml");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SpecError);
    const got = (error as SpecError).problems.map((p) => ({
      path: p.path,
      ...(p.range ? { line: p.range.start.line } : {}),
      message: p.message,
    }));
    expect(got).toEqual(c.errors);
  });
});
