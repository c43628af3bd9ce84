/**
 * Command-line use of the frontend bundle (outside BuildKit):
 *   schema              print the spec's JSON Schema
 *   validate FILE...    check spec files; print every problem with its line; exit 1 on problems
 */
import { readFileSync } from "node:fs";
import { specJsonSchema } from "./spec/json-schema.js";
import { loadSpec } from "./spec/load.js";
import { formatProblem, SpecError } from "./spec/problems.js";

export const CLI_COMMANDS = ["schema", "validate", "help", "--help"] as const;

export function runCli(args: string[], out: (s: string) => void = (s) => process.stderr.write(s)): number {
  const [cmd, ...rest] = args;
  if (cmd === "schema") {
    out(JSON.stringify(specJsonSchema(), null, 2) + "\n");
    return 0;
  }
  if (cmd === "validate") {
    if (rest.length === 0) {
      out("usage: validate FILE...\n");
      return 2;
    }
    let failed = false;
    for (const file of rest) {
      try {
        loadSpec(readFileSync(file), file);
        out(`${file}: ok\n`);
      } catch (e) {
        failed = true;
        if (e instanceof SpecError) for (const p of e.problems) out(formatProblem(p, file) + "\n");
        else out(`${file}: ${(e as Error).message}\n`);
      }
    }
    return failed ? 1 : 0;
  }
  out("usage: frontend.cjs schema | validate FILE...   (without arguments it runs as a BuildKit frontend)\n");
  return cmd === "help" || cmd === "--help" ? 0 : 2;
}

