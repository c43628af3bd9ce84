/**
 * The build queue: builds are rows, claimed with `FOR UPDATE SKIP LOCKED` in priority order and
 * held by a lease that the worker's heartbeat extends. Every change a worker makes names its
 * lease token, so a worker whose lease expired (and whose build went back to the queue or
 * failed) can no longer touch the build.
 */
import { randomUUID } from "node:crypto";
import type { Pool } from "./pool.js";
import type { BuildState } from "./builds.js";

export interface Job {
  id: string;
  tenantId: string;
  leaseToken: string;
  attempt: number;
  maxAttempts: number;
  spec: Buffer;
  specFilename: string;
  contextId: string | null;
  contextUrl: string | null;
  target: string;
  platforms: string[];
  frontendOptions: Record<string, string>;
  secretsSealed: Buffer | null;
  timeoutSeconds: number;
}

const ACTIVE = "('running', 'scanning', 'pushing', 'signing')";

/** Claims the most urgent queued build (highest priority, then oldest), or undefined. */
export async function claimNext(pool: Pool, owner: string, leaseSeconds: number): Promise<Job | undefined> {
  const token = randomUUID();
  const r = await pool.query(
    `WITH next AS (
       SELECT id FROM builds WHERE state = 'queued' ORDER BY priority DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED
     )
     UPDATE builds b SET state = 'running', attempts = b.attempts + 1, lease_token = $1, lease_owner = $2,
       lease_expires_at = now() + make_interval(secs => $3), claimed_at = COALESCE(b.claimed_at, now()), updated_at = now()
     FROM next WHERE b.id = next.id
     RETURNING b.id, b.tenant_id, b.attempts, b.max_attempts, b.spec, b.spec_filename, b.context_id, b.context_url, b.target,
       b.platforms, b.frontend_options, b.secrets_sealed, b.timeout_seconds`,
    [token, owner, leaseSeconds],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    leaseToken: token,
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
    spec: row.spec,
    specFilename: row.spec_filename,
    contextId: row.context_id,
    contextUrl: row.context_url,
    target: row.target,
    platforms: row.platforms,
    frontendOptions: row.frontend_options,
    secretsSealed: row.secrets_sealed,
    timeoutSeconds: row.timeout_seconds,
  };
}

export type Heartbeat = { held: true; cancelRequested: boolean } | { held: false };

/** Extends the lease; says whether it is still held and whether the build was cancelled. */
export async function heartbeat(pool: Pool, job: Pick<Job, "id" | "leaseToken">, leaseSeconds: number): Promise<Heartbeat> {
  const r = await pool.query(
    `UPDATE builds SET lease_expires_at = now() + make_interval(secs => $3), updated_at = now()
     WHERE id = $1 AND lease_token = $2 AND state IN ${ACTIVE} RETURNING cancel_requested`,
    [job.id, job.leaseToken, leaseSeconds],
  );
  return r.rows[0] ? { held: true, cancelRequested: r.rows[0].cancel_requested } : { held: false };
}

/** Moves a held build to another active state (running → pushing, …); false if the lease is gone. */
export async function advance(pool: Pool, job: Pick<Job, "id" | "leaseToken">, state: BuildState): Promise<boolean> {
  const r = await pool.query(`UPDATE builds SET state = $3, updated_at = now() WHERE id = $1 AND lease_token = $2 AND state IN ${ACTIVE}`, [job.id, job.leaseToken, state]);
  return r.rowCount === 1;
}

export interface Outcome {
  state: "succeeded" | "failed" | "cancelled";
  reason?: string;
  result?: string;
  alreadyExisted?: boolean;
  /** The target as built (a target without a tag gets its tag when the build runs). */
  target?: string;
}

/** Ends a held build; its sealed secrets are dropped with the lease. False if the lease is gone. */
export async function finish(pool: Pool, job: Pick<Job, "id" | "leaseToken">, o: Outcome): Promise<boolean> {
  const r = await pool.query(
    `UPDATE builds SET state = $3, reason = $4, result = $5, already_existed = $6, target = COALESCE($7, target),
       finished_at = now(), updated_at = now(), lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL, secrets_sealed = NULL
     WHERE id = $1 AND lease_token = $2 AND state IN ${ACTIVE}`,
    [job.id, job.leaseToken, o.state, o.reason ?? null, o.result ?? null, o.alreadyExisted ?? false, o.target ?? null],
  );
  return r.rowCount === 1;
}

export interface Expired {
  id: string;
  state: BuildState;
  reason: string;
}

/**
 * Builds whose worker stopped renewing its lease: back to the queue while attempts remain,
 * else failed (cancelled, if a cancel was asked), with the reason. Run by every worker.
 */
export async function expireLeases(pool: Pool): Promise<Expired[]> {
  const r = await pool.query(
    `UPDATE builds SET
       state = CASE WHEN cancel_requested THEN 'cancelled'::build_state
                    WHEN attempts < max_attempts THEN 'queued'::build_state ELSE 'failed'::build_state END,
       reason = CASE WHEN cancel_requested THEN 'cancelled; its worker was lost'
                     WHEN attempts < max_attempts THEN format('worker %s was lost during attempt %s of %s (its lease expired); queued again', lease_owner, attempts, max_attempts)
                     ELSE format('worker %s was lost during attempt %s of %s (its lease expired); no attempts left', lease_owner, attempts, max_attempts) END,
       finished_at = CASE WHEN cancel_requested OR attempts >= max_attempts THEN now() ELSE NULL END,
       secrets_sealed = CASE WHEN cancel_requested OR attempts >= max_attempts THEN NULL ELSE secrets_sealed END,
       lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
     WHERE state IN ${ACTIVE} AND lease_expires_at < now()
     RETURNING id, state, reason`,
  );
  return r.rows.map((x) => ({ id: x.id, state: x.state, reason: x.reason }));
}
