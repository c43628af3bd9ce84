/**
 * A worker: claims builds from the queue (up to its concurrency), keeps each lease alive with a
 * heartbeat, stops a build that is cancelled, times out or loses its lease, and records how
 * each ended. Every pass also returns the builds of lost workers to the queue.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { isUnavailable, type Pool } from "../db/pool.js";
import { advance, claimNext, expireLeases, finish, heartbeat, type Job, type Outcome } from "../db/queue.js";
import { releaseSecrets } from "../release/settings.js";
import { openSecrets, redactor } from "../secrets.js";
import type { Settings } from "../settings.js";
import type { BlobStore } from "../store/blob-store.js";
import { abortReason, type Abort } from "./failure.js";
import { LogSink } from "./log-sink.js";

export type WorkerSettings = Pick<Settings, "leaseSeconds" | "workerConcurrency" | "pollMs" | "workerId" | "secretKey"> & Partial<Pick<Settings, "release">>;

export interface RunContext {
  job: Job;
  work: string;
  secrets: Record<string, string>;
  log: LogSink;
  signal: AbortSignal;
  onPhase: (phase: "scanning" | "pushing" | "signing") => void;
}

/** What runs a claimed build (executeBuild in the service; tests may count claims with their own). */
export type Runner = (c: RunContext) => Promise<Outcome>;

export class Worker {
  private stopping = false;
  private readonly running = new Set<Promise<void>>();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Builds this worker ended, by state (a count for tests and the service's log). */
  readonly ended = { succeeded: 0, failed: 0, cancelled: 0, lost: 0 };

  constructor(
    private readonly pool: Pool,
    private readonly store: BlobStore,
    private readonly settings: WorkerSettings,
    private readonly runner: Runner,
    private readonly log: (s: string) => void = (s) => process.stderr.write(s + "\n"),
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Claims nothing more; waits for the builds in hand to end. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    await Promise.all(this.running);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let claimed = false;
      try {
        for (const e of await expireLeases(this.pool)) this.log(`build ${e.id}: ${e.reason}`);
        if (this.running.size < this.settings.workerConcurrency) {
          const job = await claimNext(this.pool, this.settings.workerId, this.settings.leaseSeconds);
          if (job) {
            claimed = true;
            const p = this.handle(job).finally(() => {
              this.running.delete(p);
              this.wake?.();
            });
            this.running.add(p);
          }
        }
      } catch (e) {
        this.log(`worker ${this.settings.workerId}: ${isUnavailable(e) ? "the database is not reachable; retrying" : (e as Error).message}`);
      }
      if (claimed && this.running.size < this.settings.workerConcurrency) continue;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.settings.pollMs).unref();
      });
    }
  }

  private async handle(job: Job): Promise<void> {
    const abort = new AbortController();
    let why: Abort | undefined;
    const stopBuild = (w: Abort) => {
      if (why) return;
      why = w;
      abort.abort();
    };
    let secrets: Record<string, string> = {};
    if (job.secretsSealed) {
      if (!this.settings.secretKey) {
        await finish(this.pool, job, { state: "failed", reason: "this worker has no SERVICE_SECRET_KEY to open the build's secrets" });
        return;
      }
      secrets = openSecrets(this.settings.secretKey, job.secretsSealed, job.id);
    }
    // The build's secrets and the service's own (the scanner's tokens, a signing key's password).
    const sink = new LogSink(this.store, job.id, redactor([...Object.values(secrets), ...(this.settings.release ? releaseSecrets(this.settings.release) : [])]));
    const beat = setInterval(() => {
      heartbeat(this.pool, job, this.settings.leaseSeconds).then(
        (h) => {
          if (!h.held) stopBuild("lease-lost");
          else if (h.cancelRequested) stopBuild("cancelled");
        },
        () => undefined, // A missed beat is not yet a lost lease.
      );
    }, Math.max(500, (this.settings.leaseSeconds * 1000) / 3));
    const timeout = setTimeout(() => stopBuild("timeout"), job.timeoutSeconds * 1000);
    const work = await mkdtemp(join(tmpdir(), "imagespec-serve-"));
    let outcome: Outcome;
    try {
      sink.line(`--- attempt ${job.attempt} of ${job.maxAttempts} on ${this.settings.workerId} ---`);
      // Phase changes are written in the order they happen.
      let phases: Promise<unknown> = Promise.resolve();
      const onPhase = (p: "scanning" | "pushing" | "signing") => {
        phases = phases.then(() => advance(this.pool, job, p)).catch(() => undefined);
      };
      outcome = await this.runner({ job, work, secrets, log: sink, signal: abort.signal, onPhase });
      await phases;
    } catch (e) {
      outcome = { state: "failed", reason: `internal error: ${(e as Error).message}` };
    } finally {
      clearInterval(beat);
      clearTimeout(timeout);
      await rm(work, { recursive: true, force: true }).catch(() => undefined);
    }
    if (why) outcome = { state: why === "cancelled" ? "cancelled" : "failed", reason: abortReason(why, job.timeoutSeconds), ...(outcome.target ? { target: outcome.target } : {}) };
    sink.line(`--- ${outcome.state}${outcome.reason ? `: ${outcome.reason}` : ""}${outcome.result ? ` ${outcome.result}` : ""} ---`);
    await sink.flush();
    if (why === "lease-lost") {
      this.ended.lost++;
      return;
    }
    const recorded = await this.finishWithRetry(job, outcome);
    if (recorded) {
      this.ended[outcome.state]++;
      // The build has ended: its log is complete and can leave for the archive.
      await this.store.archiveLog(job.id).catch((e: Error) => this.log(`build ${job.id}: its log stays in the directory; archiving failed: ${e.message}`));
    } else this.ended.lost++;
  }

  /** Records the end, retrying while the database is away (the lease decides who may write). */
  private async finishWithRetry(job: Job, o: Outcome): Promise<boolean> {
    for (let i = 0; ; i++) {
      try {
        return await finish(this.pool, job, o);
      } catch (e) {
        if (!isUnavailable(e) || i > 60) throw e;
        await sleep(1000);
      }
    }
  }
}
