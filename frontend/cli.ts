/**
 * Command-line use of the frontend bundle (outside BuildKit):
 *   schema              print the spec's JSON Schema
 *   validate FILE...    check spec files ("-" for stdin); print every problem with its line; exit 1 on problems
 * Run with no arguments at all, the bundle is a BuildKit frontend instead (see main.ts).
 */
import { specJsonSchema } from "./imagespec/json-schema.js";
import { loadSpec } from "./imagespec/load.js";
import { MAX_SPEC_BYTES } from "./imagespec/limits.js";
import { formatProblem, SpecError } from "./imagespec/problems.js";
import { closest } from "./common/words.js";
import { readBounded, readFailure } from "./imagespec/read.js";

export const CLI_COMMANDS = ["schema", "validate", "help"] as const;

const USAGE = `usage: frontend.cjs <command> [arguments]

commands:
  schema              print the JSON Schema of the image spec
  validate FILE...    check spec files (YAML, JSON or binary protobuf; "-" reads standard input)
                      and print every problem with its line; exit 1 if any file has problems
  build ...           build a spec on BuildKit and push it (imagespec-build; build --help)
  help                print this help

Run without arguments, it is a BuildKit gateway frontend (buildkitd starts it that way).
`;

const COMMAND_USAGE: Record<(typeof CLI_COMMANDS)[number], string> = {
  schema: "usage: frontend.cjs schema\n\nPrints the JSON Schema of the image spec to standard output.\n",
  validate:
    "usage: frontend.cjs validate FILE...\n\nChecks each spec file (YAML, JSON or binary protobuf) and prints every problem with its\nline, or FILE: ok. \"-\" or /dev/stdin reads standard input. Exit status: 0 all valid,\n1 a file has problems or cannot be read, 2 a usage error.\n",
  help: USAGE,
};

const isHelp = (a: string) => a === "--help" || a === "-h";

function validate(files: string[], out: (s: string) => void): number {
  let failed = false;
  for (const file of files) {
    const shown = file === "-" ? "stdin" : file;
    let data: Uint8Array;
    try {
      data = readBounded(file, MAX_SPEC_BYTES);
    } catch (e) {
      failed = true;
      out(`${shown}: ${readFailure(e)}\n`);
      continue;
    }
    try {
      loadSpec(data, shown);
      out(`${shown}: ok\n`);
    } catch (e) {
      failed = true;
      if (e instanceof SpecError) for (const p of e.problems) out(formatProblem(p, shown) + "\n");
      else out(`${shown}: the spec could not be checked: ${(e as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}

/** Runs a command; returns the exit status (0 ok, 1 problems found, 2 usage error). */
export function runCli(args: string[], out: (s: string) => void = (s) => process.stderr.write(s)): number {
  const [cmd, ...rest] = args;
  if (cmd === undefined || isHelp(cmd) || cmd === "help") {
    out(USAGE);
    return cmd === undefined ? 2 : 0;
  }
  if (!(CLI_COMMANDS as readonly string[]).includes(cmd)) {
    const guess = cmd.length <= 64 ? closest(cmd, CLI_COMMANDS) : undefined;
    out(`unknown command ${JSON.stringify(cmd.slice(0, 64))}${guess ? ` (did you mean "${guess}"?)` : ""}\n\n${USAGE}`);
    return 2;
  }
  const command = cmd as (typeof CLI_COMMANDS)[number];
  const beforeDashDash = rest.indexOf("--") < 0 ? rest : rest.slice(0, rest.indexOf("--"));
  if (beforeDashDash.some(isHelp)) {
    out(COMMAND_USAGE[command]);
    return 0;
  }
  if (command === "schema") {
    if (rest.length > 0) {
      out(`schema takes no arguments\n\n${COMMAND_USAGE.schema}`);
      return 2;
    }
    out(JSON.stringify(specJsonSchema(), null, 2) + "\n");
    return 0;
  }
  const dashDash = rest.indexOf("--");
  const options = dashDash < 0 ? rest : rest.slice(0, dashDash);
  const unknownOption = options.find((a) => a.startsWith("-") && a !== "-");
  if (unknownOption) {
    out(`unknown option ${JSON.stringify(unknownOption.slice(0, 64))} for validate\n\n${COMMAND_USAGE.validate}`);
    return 2;
  }
  const files = dashDash < 0 ? rest : [...rest.slice(0, dashDash), ...rest.slice(dashDash + 1)];
  if (files.length === 0) {
    out(COMMAND_USAGE.validate);
    return 2;
  }
  return validate(files, out);
}
