/**
 * The scan as LLB: the scanner image runs with the built image at /shared/image.tar (sent by
 * the worker's session), no network unless the operator allows it, and nothing else mounted.
 * Its report and its exit code are copied out alone, so that only they come back to the worker.
 */
import { image, local, marshal, scratch, type Platform, type State } from "../../llb/src/index.js";
import type { ScannerSettings } from "./settings.js";

/** The session directory that holds image.tar. */
export const SHARED_DIR = "imagespec-scan-shared";
export const REPORT_FILE = "scan-report.json";
export const EXIT_FILE = ".imagespec-scan-exit";

/**
 * A fixed script: runs the scanner's argv as given ("$@", never re-parsed by the shell) and
 * records its exit code, so that a failing scan still yields its report. The scanner image
 * needs /bin/sh (IBS's contract already asks for curl, so a shell).
 */
const WRAPPER = `"$@"; echo $? > /shared/${EXIT_FILE}`;

/** The session secret id of the scanner's secret env var `name`. */
export function scannerSecretId(name: string): string {
  return `scanner-env-${name}`;
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The argv the exec runs (the wrapper, then the scanner's own argv as positional parameters). */
export function scanArgv(command: readonly string[]): string[] {
  return ["/bin/sh", "-c", WRAPPER, "imagespec-scan", ...command];
}

export function scanState(s: ScannerSettings, sessionId: string, platform?: Platform): State {
  const shared = local(SHARED_DIR, { sessionId, followPaths: ["image.tar"], customName: "[scan] the built image as /shared/image.tar" });
  const run = image(s.image, { customName: `[scan] scanner ${s.image}`, ...(platform ? { platform } : {}) }).run({
    args: scanArgv(s.command),
    env: { PATH: DEFAULT_PATH, ...s.env },
    cwd: "/shared",
    network: s.network,
    mounts: [{ type: "bind", dest: "/shared", source: shared }],
    secretEnv: Object.keys(s.secretEnv).map((name) => ({ id: scannerSecretId(name), name })),
    // Vulnerability databases change: an image scanned yesterday is scanned again.
    ignoreCache: true,
    customName: `[scan] ${s.command.join(" ")}`,
  });
  const out = run.getMount("/shared");
  const copy = { allowWildcard: true, allowEmptyWildcard: true, createDestPath: true };
  return scratch()
    .copy(out, `/${REPORT_FILE}*`, "/", copy, { customName: "[scan] collect the report" })
    .copy(out, `/${EXIT_FILE}`, "/", copy, { customName: "[scan] collect the exit code" });
}

/**
 * The encoded Definition of the scan, for a solve in the session `sessionId`; the scanner runs
 * as `platform` (the BuildKit worker's own, so that it is not emulated; default linux/amd64).
 */
export function scanDefinition(s: ScannerSettings, sessionId: string, platform?: Platform): Uint8Array {
  return marshal(scanState(s, sessionId, platform).output, platform ? { platform } : {}).encode();
}
