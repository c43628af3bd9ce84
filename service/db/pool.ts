/** The connection pool; its idle-client errors (the database restarting) are logged, not fatal. */
import pg from "pg";

export type Pool = pg.Pool;

export function createPool(databaseUrl: string, max = 10, log: (s: string) => void = (s) => process.stderr.write(s + "\n")): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max, connectionTimeoutMillis: 5_000 });
  pool.on("error", (e) => log(`database: idle connection lost (${e.message})`));
  return pool;
}

/** An error meaning the database cannot be reached right now (rather than a bad query). */
export function isUnavailable(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (typeof err?.code === "string" && (/^(08|57P)/.test(err.code) || ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"].includes(err.code))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection/i.test(err?.message ?? "");
}
