/** A database of its own for one test file, made on the test cluster, migrated, dropped after. */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "../../service/db/migrate.js";
import { createPool, type Pool } from "../../service/db/pool.js";

export interface TestDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

export async function freshDatabase(base: string): Promise<TestDatabase> {
  const name = `imagespec_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  const url = u.toString();
  await migrate(url);
  const pool = createPool(url, 20, () => undefined);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
