/** Build records as the API sees them: insert (idempotent), read, list by page, cancel. */
import type { Pool } from "./pool.js";

export const STATES = ["queued", "running", "scanning", "pushing", "signing", "succeeded", "failed", "cancelled"] as const;
export type BuildState = (typeof STATES)[number];
export const TERMINAL: ReadonlySet<BuildState> = new Set(["succeeded", "failed", "cancelled"]);
export const ACTIVE_STATES: readonly BuildState[] = ["running", "scanning", "pushing", "signing"];

export interface NewBuild {
  id: string;
  tenantId: string;
  idempotencyKey: string | undefined;
  spec: Buffer;
  specFilename: string;
  contextId: string | undefined;
  contextUrl: string | undefined;
  target: string;
  platforms: string[];
  frontendOptions: Record<string, string>;
  secretsSealed: Buffer | undefined;
  secretIds: string[];
  priority: number;
  timeoutSeconds: number;
  maxAttempts: number;
}

export interface BuildRecord {
  id: string;
  seq: string;
  tenantId: string;
  idempotencyKey: string | null;
  target: string;
  platforms: string[];
  frontendOptions: Record<string, string>;
  secretIds: string[];
  priority: number;
  timeoutSeconds: number;
  state: BuildState;
  reason: string | null;
  result: string | null;
  alreadyExisted: boolean;
  attempts: number;
  maxAttempts: number;
  cancelRequested: boolean;
  contextId: string | null;
  contextUrl: string | null;
  createdAt: Date;
  claimedAt: Date | null;
  finishedAt: Date | null;
}

/** Every column but the spec and the sealed secrets (which never leave through the API). */
export const RECORD_COLUMNS = `id, seq, tenant_id, idempotency_key, target, platforms, frontend_options, secret_ids, priority,
  timeout_seconds, state, reason, result, already_existed, attempts, max_attempts, cancel_requested, context_id, context_url,
  created_at, claimed_at, finished_at`;

export function toRecord(r: Record<string, any>): BuildRecord {
  return {
    id: r.id,
    seq: String(r.seq),
    tenantId: r.tenant_id,
    idempotencyKey: r.idempotency_key,
    target: r.target,
    platforms: r.platforms,
    frontendOptions: r.frontend_options,
    secretIds: r.secret_ids,
    priority: r.priority,
    timeoutSeconds: r.timeout_seconds,
    state: r.state,
    reason: r.reason,
    result: r.result,
    alreadyExisted: r.already_existed,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    cancelRequested: r.cancel_requested,
    contextId: r.context_id,
    contextUrl: r.context_url,
    createdAt: r.created_at,
    claimedAt: r.claimed_at,
    finishedAt: r.finished_at,
  };
}

/** Inserts the build, or returns the tenant's build with the same idempotency key (`created` false). */
export async function insertBuild(pool: Pool, b: NewBuild): Promise<{ build: BuildRecord; created: boolean }> {
  const r = await pool.query(
    `INSERT INTO builds (id, tenant_id, idempotency_key, spec, spec_filename, context_id, context_url, target, platforms,
       frontend_options, secrets_sealed, secret_ids, priority, timeout_seconds, max_attempts)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
     RETURNING ${RECORD_COLUMNS}`,
    [b.id, b.tenantId, b.idempotencyKey ?? null, b.spec, b.specFilename, b.contextId ?? null, b.contextUrl ?? null, b.target, b.platforms,
      JSON.stringify(b.frontendOptions), b.secretsSealed ?? null, b.secretIds, b.priority, b.timeoutSeconds, b.maxAttempts],
  );
  if (r.rows[0]) {
    await pool.query("NOTIFY imagespec_builds");
    return { build: toRecord(r.rows[0]), created: true };
  }
  const existing = await pool.query(`SELECT ${RECORD_COLUMNS} FROM builds WHERE tenant_id = $1 AND idempotency_key = $2`, [b.tenantId, b.idempotencyKey]);
  return { build: toRecord(existing.rows[0]), created: false };
}

/** The tenant's build, or undefined for an unknown id and for another tenant's. */
export async function getBuild(pool: Pool, tenantId: string, id: string): Promise<BuildRecord | undefined> {
  const r = await pool.query(`SELECT ${RECORD_COLUMNS} FROM builds WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
  return r.rows[0] ? toRecord(r.rows[0]) : undefined;
}

export interface Page {
  builds: BuildRecord[];
  /** The cursor of the next page, when there may be one. */
  next: string | undefined;
}

/** Newest first; the cursor is the last row's sequence number, so pages never overlap or skip. */
export async function listBuilds(pool: Pool, tenantId: string, o: { state?: BuildState; limit: number; cursor?: string }): Promise<Page> {
  const args: unknown[] = [tenantId, o.limit + 1];
  let where = "tenant_id = $1";
  if (o.state) {
    args.push(o.state);
    where += ` AND state = $${args.length}`;
  }
  if (o.cursor) {
    args.push(o.cursor);
    where += ` AND seq < $${args.length}`;
  }
  const r = await pool.query(`SELECT ${RECORD_COLUMNS} FROM builds WHERE ${where} ORDER BY seq DESC LIMIT $2`, args);
  const rows = r.rows.map(toRecord);
  const more = rows.length > o.limit;
  const builds = rows.slice(0, o.limit);
  return { builds, next: more ? builds[builds.length - 1]!.seq : undefined };
}

/**
 * Cancels the tenant's build: a queued one ends at once; a running one is marked, and its
 * worker stops the solve at its next heartbeat. Undefined for an unknown id.
 */
export async function cancelBuild(pool: Pool, tenantId: string, id: string): Promise<BuildRecord | undefined> {
  const r = await pool.query(
    `UPDATE builds SET cancel_requested = true, updated_at = now(),
       state = CASE WHEN state = 'queued' THEN 'cancelled'::build_state ELSE state END,
       reason = CASE WHEN state = 'queued' THEN 'cancelled before it started' ELSE reason END,
       finished_at = CASE WHEN state = 'queued' THEN now() ELSE finished_at END,
       secrets_sealed = CASE WHEN state = 'queued' THEN NULL ELSE secrets_sealed END
     WHERE id = $1 AND tenant_id = $2 AND state NOT IN ('succeeded', 'failed', 'cancelled')
     RETURNING ${RECORD_COLUMNS}`,
    [id, tenantId],
  );
  if (r.rows[0]) {
    await pool.query("SELECT pg_notify('imagespec_cancel', $1)", [id]);
    return toRecord(r.rows[0]);
  }
  return getBuild(pool, tenantId, id);
}

export async function insertContext(pool: Pool, c: { id: string; tenantId: string; bytes: number; sha256: string }): Promise<void> {
  await pool.query("INSERT INTO contexts (id, tenant_id, bytes, sha256) VALUES ($1, $2, $3, $4)", [c.id, c.tenantId, c.bytes, c.sha256]);
}

export async function contextExists(pool: Pool, tenantId: string, id: string): Promise<boolean> {
  const r = await pool.query("SELECT 1 FROM contexts WHERE id = $1 AND tenant_id = $2", [id, tenantId]);
  return r.rowCount === 1;
}
