/** Applies the schema's migrations (node-pg-migrate, under its advisory lock: replicas may race). */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runner } from "node-pg-migrate";

/** Next to the bundle (`dist/migrations`), else the source tree's `service/migrations`. */
export function migrationsDir(): string {
  for (const rel of ["./migrations", "../migrations"]) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error("the service's migrations directory is missing");
}

export async function migrate(databaseUrl: string, log: (s: string) => void = () => undefined): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir(),
    direction: "up",
    migrationsTable: "pgmigrations",
    checkOrder: true,
    log,
    verbose: false,
  });
  return applied.map((m) => m.name);
}
