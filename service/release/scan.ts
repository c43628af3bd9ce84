/**
 * Runs the pre-push scanner on a BuildKit worker: the image tarball goes to the daemon through
 * the build's session, the scanner runs there as an exec (see scan-llb.ts), and only its report
 * and exit code come back, as a small tar.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import * as tar from "tar";
import type { Builder } from "../../client/src/builder.js";
import { normalizePlatform, type Platform } from "../../llb/src/index.js";
import { runDefinition } from "../../client/src/build.js";
import { EXIT_FILE, REPORT_FILE, scanDefinition, scannerSecretId, SHARED_DIR } from "./scan-llb.js";
import { parseExitCode, summarize, type ScanResult } from "./scan-report.js";
import type { ScannerSettings } from "./settings.js";

export interface ScanOptions {
  builder: Builder;
  scanner: ScannerSettings;
  /** The directory holding image.tar. */
  sharedDir: string;
  work: string;
  onStatus?: (status: Record<string, any>) => void;
}

/** The largest report kept; a scanner that writes more is cut off with a note. */
const MAX_REPORT_BYTES = 64 << 20;

/** The first platform of the builder's first worker (its native one), if it says. */
export function workerPlatform(builder: Pick<Builder, "workers">): Platform | undefined {
  const p = builder.workers[0]?.platforms?.[0];
  return p?.OS && p.Architecture ? normalizePlatform({ os: p.OS, architecture: p.Architecture, ...(p.Variant ? { variant: p.Variant } : {}) }) : undefined;
}

async function readIfThere(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

export async function runScan(o: ScanOptions): Promise<ScanResult> {
  const outTar = join(o.work, "scan-out.tar");
  const outDir = join(o.work, "scan-out");
  await mkdir(outDir, { recursive: true });
  const byId = new Map(Object.entries(o.scanner.secretEnv).map(([n, v]) => [scannerSecretId(n), v]));
  await runDefinition(o.builder, {
    definition: (sessionId) => scanDefinition(o.scanner, sessionId, workerPlatform(o.builder)),
    dirs: [{ name: SHARED_DIR, dir: o.sharedDir }],
    exports: [{ type: "tar", attrs: {}, dest: outTar }],
    entitlements: o.scanner.network === "host" ? ["network.host"] : [],
    secrets: async (id) => {
      const value = byId.get(id);
      return value === undefined ? undefined : Buffer.from(value, "utf8");
    },
    ...(o.onStatus ? { onStatus: o.onStatus } : {}),
  });
  await tar.x({ file: outTar, cwd: outDir, filter: (p) => [REPORT_FILE, EXIT_FILE].includes(p.replace(/^\.?\//, "")) });
  const exitCode = parseExitCode((await readIfThere(join(outDir, EXIT_FILE)))?.toString("utf8"));
  if (exitCode === undefined) throw new Error("the scanner's exit code did not come back (does its image have /bin/sh?)");
  let report = await readIfThere(join(outDir, REPORT_FILE));
  if (report && report.length > MAX_REPORT_BYTES) report = Buffer.from(JSON.stringify({ summary: `the scanner's report was ${report.length} bytes, more than the ${MAX_REPORT_BYTES} kept` }));
  return { exitCode, report, summary: summarize(report) };
}
