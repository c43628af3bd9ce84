import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../support/paths.js";

const SRC = join(repoRoot, "llb", "src");

/** Names exported from the library's entry point. */
function publicNames(): Set<string> {
  const index = readFileSync(join(SRC, "index.ts"), "utf8");
  const names = new Set<string>();
  for (const m of index.matchAll(/export (?:type )?\{([^}]+)\}/g)) {
    for (const part of m[1]!.split(",")) {
      const name = part.trim().replace(/^type\s+/, "").split(/\s+as\s+/).pop()!.trim();
      if (name) names.add(name);
    }
  }
  for (const m of index.matchAll(/export type \* from "\.\/(\w+)\.js"/g)) {
    const text = readFileSync(join(SRC, `${m[1]}.ts`), "utf8");
    for (const d of text.matchAll(/^export (?:const enum|interface|type) (\w+)/gm)) names.add(d[1]!);
  }
  return names;
}

describe("llb/ is publishable on its own", () => {
  const files = readdirSync(SRC).filter((f) => f.endsWith(".ts"));

  it("imports nothing outside llb/ except Node built-ins", () => {
    for (const f of files) {
      const text = readFileSync(join(SRC, f), "utf8");
      for (const m of text.matchAll(/from "([^"]+)"/g)) {
        const spec = m[1]!;
        expect(spec.startsWith("./") || spec.startsWith("node:"), `${f} imports ${spec}`).toBe(true);
      }
    }
  });

  it("documents every exported declaration of its public API with TSDoc", () => {
    const wanted = publicNames();
    const undocumented: string[] = [];
    const found = new Set<string>();
    for (const f of files) {
      const lines = readFileSync(join(SRC, f), "utf8").split("\n");
      lines.forEach((line, i) => {
        const m = /^export (?:declare )?(?:abstract )?(?:const enum|function|class|const|interface|type|enum|let) (\w+)/.exec(line);
        if (!m || !wanted.has(m[1]!)) return;
        found.add(m[1]!);
        let j = i - 1;
        while (j >= 0 && lines[j]!.trim().startsWith("@")) j--;
        if (!lines[j]?.trim().endsWith("*/")) undocumented.push(`${f}: ${m[1]}`);
      });
    }
    expect(undocumented).toEqual([]);
    expect(found.size).toBeGreaterThan(40);
  });
});
