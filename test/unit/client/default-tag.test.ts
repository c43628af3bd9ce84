import { chmodSync, cpSync, mkdtempSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultTag, TAG_LENGTH } from "../../../client/cli/default-tag.js";
import { contextDigest } from "../../../client/src/context-digest.js";
import { makeFilter } from "../../../client/src/filesync/filter.js";

function tree(): string {
  const d = mkdtempSync(join(tmpdir(), "ctx-"));
  mkdirSync(join(d, "src"));
  writeFileSync(join(d, "src/app.py"), "print(1)\n");
  writeFileSync(join(d, "requirements.txt"), "requests\n");
  return d;
}
const digest = async (d: string, excludes: string[] = []) => contextDigest(d, await makeFilter(d, { excludePatterns: excludes }));

describe("contextDigest", () => {
  it("is the same for a copy with other times, and changes with content, names and modes", async () => {
    const a = tree();
    const b = mkdtempSync(join(tmpdir(), "copy-"));
    cpSync(a, b, { recursive: true });
    utimesSync(join(b, "src/app.py"), 1, 1);
    expect(await digest(b)).toBe(await digest(a));
    writeFileSync(join(b, "src/app.py"), "print(2)\n");
    expect(await digest(b)).not.toBe(await digest(a));
    const c = tree();
    chmodSync(join(c, "requirements.txt"), 0o755);
    expect(await digest(c)).not.toBe(await digest(a));
  });

  it("leaves out what the filter leaves out", async () => {
    const a = tree();
    const b = tree();
    writeFileSync(join(b, "notes.log"), "x");
    expect(await digest(b, ["*.log"])).toBe(await digest(a));
  });
});

describe("defaultTag", () => {
  const base = { spec: Buffer.from("base_image: x\n"), context: "c1", settings: { platform: "linux/amd64" } };

  it("is a stable tag for the same inputs and differs when any of them changes", () => {
    const tag = defaultTag(base);
    expect(tag).toMatch(new RegExp(`^[0-9a-f]{${TAG_LENGTH}}$`));
    expect(defaultTag({ ...base, settings: { platform: "linux/amd64" } })).toBe(tag);
    expect(defaultTag({ ...base, spec: Buffer.from("base_image: y\n") })).not.toBe(tag);
    expect(defaultTag({ ...base, context: "c2" })).not.toBe(tag);
    expect(defaultTag({ ...base, settings: { platform: "linux/arm64" } })).not.toBe(tag);
    expect(defaultTag({ ...base, settings: { platform: "linux/amd64", optimize: "false" } })).not.toBe(tag);
  });
});
