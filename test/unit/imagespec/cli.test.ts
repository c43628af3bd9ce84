/**
 * The command line: unknown commands and options are usage errors (never the gateway), --help
 * works for every command, and inputs are read with the size limit enforced while reading.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI_COMMANDS, runCli } from "../../../frontend/cli.js";
import { MAX_SPEC_BYTES } from "../../../frontend/imagespec/limits.js";
import { readBounded } from "../../../frontend/imagespec/read.js";

function cli(...args: string[]): { code: number; output: string } {
  let output = "";
  const code = runCli(args, (s) => (output += s));
  return { code, output };
}

describe("command dispatch", () => {
  it.each([["valdate", "validate"], ["shema", "schema"], ["halp", "help"]])("a mistyped command (%s) prints usage, suggests %s and exits 2", (typo, meant) => {
    const { code, output } = cli(typo, "x.yaml");
    expect(code).toBe(2);
    expect(output).toContain(`unknown command "${typo}" (did you mean "${meant}"?)`);
    expect(output).toContain("usage: frontend.cjs <command>");
  });

  it("an unrelated word gets usage without a guess", () => {
    const { code, output } = cli("frobnicate");
    expect(code).toBe(2);
    expect(output).not.toContain("did you mean");
  });

  it.each([["--help"], ["-h"], ["help"]])("%s prints the general usage and exits 0", (flag) => {
    const { code, output } = cli(flag);
    expect(code).toBe(0);
    for (const c of CLI_COMMANDS) expect(output).toContain(c);
  });

  it.each(CLI_COMMANDS.filter((c) => c !== "help").flatMap((c) => [[c, "--help"], [c, "-h"]]))("%s %s prints that command's usage, exit 0", (command, flag) => {
    const { code, output } = cli(command, flag);
    expect(code).toBe(0);
    expect(output).toContain(`usage: frontend.cjs ${command}`);
    expect(output).not.toContain("ok\n");
  });

  it("validate with no files, or with an unknown option, is a usage error", () => {
    expect(cli("validate").code).toBe(2);
    const { code, output } = cli("validate", "--strict", "x.yaml");
    expect(code).toBe(2);
    expect(output).toContain('unknown option "--strict"');
  });

  it("after --, a file may start with a dash", () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    writeFileSync(join(dir, "-spec.yaml"), "base_image: python:3.12-slim\n");
    const { code, output } = cli("validate", "--", join(dir, "-spec.yaml"));
    expect(output).toContain("-spec.yaml: ok");
    expect(code).toBe(0);
  });

  it("unreadable inputs are reported by name, with exit 1", () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    const { code, output } = cli("validate", join(dir, "missing.yaml"), dir);
    expect(code).toBe(1);
    expect(output).toContain("missing.yaml: no such file");
    expect(output).toContain(`${dir}: is a directory`);
  });
});

describe("bounded reading", () => {
  it("reads a device that never ends only up to the limit plus one byte", () => {
    expect(readBounded("/dev/zero", 1000).length).toBe(1001);
    const { code, output } = cli("validate", "/dev/zero");
    expect(code).toBe(1);
    expect(output).toContain(`/dev/zero:1:1: the spec is more than ${MAX_SPEC_BYTES} bytes`);
  });

  it("reads a regular file whole when it is within the limit", () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    const bytes = new Uint8Array(70_000).map((_, i) => i % 251);
    writeFileSync(join(dir, "f"), bytes);
    expect(readBounded(join(dir, "f"), 100_000)).toEqual(bytes);
    expect(readBounded(join(dir, "f"), 1000).length).toBe(1001);
  });

  it("reads a FIFO whose writer never stops, up to the limit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    const fifo = join(dir, "fifo");
    await new Promise<void>((resolve, reject) => spawn("mkfifo", [fifo]).on("exit", (c) => (c === 0 ? resolve() : reject(new Error(`mkfifo exited ${c}`)))));
    const writer = spawn("sh", ["-c", `cat /dev/zero > '${fifo}'`], { stdio: "ignore" });
    try {
      expect(readBounded(fifo, 200_000).length).toBe(200_001);
    } finally {
      writer.kill();
    }
  });
});
