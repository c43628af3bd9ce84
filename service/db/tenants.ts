/** Tenants and their bearer tokens; a token is kept only as its SHA-256 digest. */
import { createHash, randomBytes } from "node:crypto";
import type { Pool } from "./pool.js";

export interface Tenant {
  id: string;
  defaultPriority: number;
  maxPriority: number;
}

export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

const digest = (token: string) => createHash("sha256").update(token, "utf8").digest();

export async function createTenant(pool: Pool, t: Tenant): Promise<void> {
  if (!TENANT_ID.test(t.id)) throw new Error(`tenant ${JSON.stringify(t.id)}: lowercase letters, digits and '-', at most 63`);
  await pool.query(
    `INSERT INTO tenants (id, default_priority, max_priority) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET default_priority = EXCLUDED.default_priority, max_priority = EXCLUDED.max_priority`,
    [t.id, t.defaultPriority, t.maxPriority],
  );
}

/** A new token for the tenant; returned once, never stored in clear. */
export async function issueToken(pool: Pool, tenantId: string): Promise<string> {
  const token = `isb_${randomBytes(32).toString("base64url")}`;
  const r = await pool.query("INSERT INTO tokens (sha256, tenant_id) SELECT $1, id FROM tenants WHERE id = $2", [digest(token), tenantId]);
  if (r.rowCount !== 1) throw new Error(`no tenant ${JSON.stringify(tenantId)} (imagespec-serve tenant add ${tenantId})`);
  return token;
}

export async function tenantForToken(pool: Pool, token: string): Promise<Tenant | undefined> {
  const r = await pool.query(
    `SELECT t.id, t.default_priority, t.max_priority FROM tokens k JOIN tenants t ON t.id = k.tenant_id WHERE k.sha256 = $1`,
    [digest(token)],
  );
  const row = r.rows[0];
  return row ? { id: row.id, defaultPriority: row.default_priority, maxPriority: row.max_priority } : undefined;
}
