/**
 * Entry point of the frontend image. buildkitd runs it with the gRPC connection on
 * stdin/stdout; whatever happens, it Returns exactly once (a result or an error) and exits 0.
 */
import { runCli } from "./cli.js";
import { runBuildCommand } from "./build-command.js";
import { guardStdout, openStdioBridge } from "./protocol/stdio-bridge.js";
import { BridgeError, LLBBridgeClient } from "./protocol/client.js";
import { UserError } from "./common/errors.js";
import { CapabilityError } from "../llb/src/caps.js";
import { readFrontendEnv } from "./gateway/env.js";
import { Gateway } from "./gateway/gateway.js";
import { runBuild, type BuildState } from "./gateway/build.js";
import { statusFromError } from "./gateway/errors.js";
import { nearestRange } from "./imagespec/tree.js";

/** For docker/boot.cjs, which runs it before writing the V8 code cache. */
export { exerciseCompiler } from "./code-cache-exercise.js";

const RETURN_TIMEOUT_MS = 30_000;

/** Errors a person can act on (a bad spec, option or context, the daemon's own refusal): reported without a stack. */
function isUserFacing(err: unknown): boolean {
  return err instanceof UserError || err instanceof BridgeError || err instanceof CapabilityError;
}

function log(msg: string): void {
  process.stderr.write(`[imagespec-frontend] ${msg}\n`);
}

async function main(): Promise<void> {
  const loadedAt = performance.now();
  const transport = guardStdout();
  const bridge = await openStdioBridge(process.stdin, transport);
  const env = readFrontendEnv();
  const gw = new Gateway(new LLBBridgeClient(bridge.target));
  const state: BuildState = {};
  let returned = false;

  const fail = async (err: unknown): Promise<void> => {
    if (returned) return;
    returned = true;
    const status = statusFromError(err, state.specFile, state.loaded ? (p) => nearestRange(state.loaded!.ranges, p) : undefined);
    log(`build failed: ${status.message}`);
    await gw.returnError(status);
  };
  const finish = (code: number) => {
    if (gw.firstSolveAt !== undefined) {
      const ping = gw.pingAnsweredAt !== undefined ? `, Ping answered at ${gw.pingAnsweredAt.toFixed(1)}` : "";
      log(`start-up to first solve: ${gw.firstSolveAt.toFixed(1)} ms (code loaded at ${loadedAt.toFixed(1)}${ping}); returned at ${performance.now().toFixed(1)} ms`);
    }
    process.exit(code);
  };
  const crash = (err: unknown) => {
    log(`internal error: ${err instanceof Error ? err.stack : String(err)}`);
    const timer = setTimeout(() => finish(1), RETURN_TIMEOUT_MS);
    fail(err instanceof Error ? err : new Error(String(err)))
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        finish(0);
      });
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);

  try {
    const result = await runBuild(gw, env, state);
    returned = true;
    await gw.returnResult(result);
  } catch (err) {
    if (!isUserFacing(err)) {
      log(`internal error: ${err instanceof Error ? err.stack : String(err)}`);
    }
    await fail(err);
  }
  finish(0);
}

// buildkitd starts the frontend with no arguments; any argument is a command-line use (and a
// mistyped command gets usage, not a gateway speaking HTTP/2 on stdout).
const args = process.argv.slice(2);
if (args[0] === "build") {
  runBuildCommand(args.slice(1)).then((code) => (process.exitCode = code), fatal);
} else if (args.length > 0) {
  process.exitCode = runCli(args, (s) => process.stdout.write(s));
} else {
  main().catch(fatal);
}

function fatal(err: unknown): void {
  process.stderr.write(`[imagespec-frontend] fatal: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
}
