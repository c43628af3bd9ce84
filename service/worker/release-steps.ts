/**
 * What follows a build's solve, in order: the scan before the push (the image as a tarball,
 * the scanner on BuildKit), the push (by digest first when scanned, so that only the scanned
 * image gets the tag), and the signing of the pushed digest. Each step ends the build or lets
 * the next one run.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Builder } from "../../client/src/builder.js";
import { describeError } from "../../client/src/errors.js";
import { plainPrinter } from "../../client/src/progress/plain.js";
import type { ExportEntry } from "../../client/src/solve-request.js";
import { pushExport, tarballExport } from "./release-exports.js";
import type { Job, Outcome } from "../db/queue.js";
import { runScan } from "../release/scan.js";
import { scanFailureReason } from "../release/scan-report.js";
import type { ReleaseSettings, ScannerSettings } from "../release/settings.js";
import { signImage } from "../release/sign.js";
import type { BlobStore } from "../store/blob-store.js";
import type { LogSink } from "./log-sink.js";

/** One solve of the build's frontend with these exporters; a failure is the build's outcome. */
export type Solve = (exports: ExportEntry[], watchPush: boolean) => Promise<{ response: Record<string, string> } | { failed: Outcome }>;

export interface StepContext {
  job: Pick<Job, "id" | "platforms">;
  /** repository:tag */
  ref: string;
  repository: string;
  work: string;
  store: BlobStore;
  log: LogSink;
  signal: AbortSignal;
  onPhase: (phase: "scanning" | "pushing" | "signing") => void;
  env: NodeJS.ProcessEnv;
  solve: Solve;
}

/** How long since `start` (performance.now()), for the build's log. */
function took(start: number): string {
  return `${((performance.now() - start) / 1000).toFixed(1)} s`;
}

/** The image as a tarball, scanned on BuildKit: its digest if the scanner lets the push happen. */
export async function scanBeforePush(x: StepContext, builder: Builder, scanner: ScannerSettings): Promise<{ digest: string | undefined } | { failed: Outcome }> {
  const { ref, log } = x;
  const sharedDir = join(x.work, "shared");
  await mkdir(sharedDir, { recursive: true });
  const exportStart = performance.now();
  const built = await x.solve([tarballExport(ref, x.job.platforms.length > 1, join(sharedDir, "image.tar"))], false);
  if ("failed" in built) return built;
  log.line(`image tarball for the scan: ${took(exportStart)}`);
  const digest = built.response["containerimage.digest"];
  x.onPhase("scanning");
  const scanStart = performance.now();
  log.line(`scanning ${ref}${digest ? `@${digest}` : ""} with ${scanner.image}`);
  const progress = plainPrinter((t) => log.write(t));
  let scan;
  try {
    scan = await runScan({ builder, scanner, sharedDir, work: x.work, onStatus: (st) => progress.status(st) });
    progress.finish(false);
  } catch (e) {
    progress.finish(true);
    if (x.signal.aborted) return { failed: { state: "failed", reason: "aborted", target: ref } };
    const message = describeError(e);
    log.line(`error: ${message}`);
    return { failed: { state: "failed", reason: `scan failed: the scanner did not run to the end: ${message}; nothing was pushed`, target: ref } };
  } finally {
    await rm(join(sharedDir, "image.tar"), { force: true });
  }
  if (scan.report) log.line(`scan report kept at ${await x.store.keepReport(x.job.id, scan.report)}`);
  log.line(`scan: exit ${scan.exitCode}; ${scan.summary} (${took(scanStart)})`);
  if (scan.exitCode !== 0) return { failed: { state: "failed", reason: scanFailureReason(scan), target: ref } };
  return { digest };
}

/** Pushes the image; a scanned one goes by digest first and gets its tag only if it is the one scanned. */
export async function pushImage(x: StepContext, scannedDigest: string | undefined): Promise<{ digest: string } | { failed: Outcome }> {
  const { ref } = x;
  const pushStart = performance.now();
  if (scannedDigest) {
    // The push re-solves the build from BuildKit's cache. Should a step run again meanwhile (the
    // cache evicted during the scan) the image would differ from the scanned one.
    const byDigest = await x.solve([pushExport(x.repository, true)], true);
    if ("failed" in byDigest) return byDigest;
    const d = byDigest.response["containerimage.digest"];
    if (d !== scannedDigest) {
      const reason = `the image built for the push (${d ?? "no digest"}) is not the scanned one (${scannedDigest}): a step of the build is not reproducible; the tag was not pushed`;
      return { failed: { state: "failed", reason, target: ref } };
    }
  }
  const pushed = await x.solve([pushExport(ref, false)], true);
  if ("failed" in pushed) return pushed;
  const digest = pushed.response["containerimage.digest"];
  if (!digest) return { failed: { state: "failed", reason: "BuildKit reported no image digest", target: ref } };
  x.log.line(`pushed ${ref}@${digest} (${took(pushStart)})`);
  if (scannedDigest && scannedDigest !== digest) {
    const reason = `the pushed image ${ref}@${digest} is not the scanned one (${scannedDigest}): a step of the build is not reproducible`;
    return { failed: { state: "failed", reason, result: `${ref}@${digest}`, target: ref } };
  }
  return { digest };
}

/** Signs the pushed digest with every signer; a failure leaves the image pushed, unsigned, and says so. */
export async function signPushed(x: StepContext, release: Pick<ReleaseSettings, "signers" | "insecureRegistries">, digest: string): Promise<Outcome> {
  const result = `${x.ref}@${digest}`;
  x.onPhase("signing");
  const signStart = performance.now();
  const signed = await signImage({ release, ref: `${x.repository}@${digest}`, work: x.work, env: x.env, log: (l) => x.log.line(l), signal: x.signal });
  if (!signed.ok) {
    if (x.signal.aborted) return { state: "failed", reason: "aborted", result, target: x.ref };
    const only = signed.signed.length ? ` (signed by ${signed.signed.join(", ")} only)` : "";
    return { state: "failed", reason: `signing failed: ${signed.reason}; the image ${result} was pushed and stays, unsigned${only}`, result, target: x.ref };
  }
  x.log.line(`signed ${result} with ${signed.signed.join(", ")} (${took(signStart)})`);
  return { state: "succeeded", result, target: x.ref };
}
