/**
 * imagespec-serve: the build service. `serve` (the default) migrates the database and runs the
 * API and/or a worker (SERVICE_ROLE); `migrate`, `tenant add`, `token add` administer it.
 */
import { buildApp } from "./api/app.js";
import { migrate } from "./db/migrate.js";
import { createPool } from "./db/pool.js";
import { createTenant, issueToken } from "./db/tenants.js";
import { readSettings, SettingsError, type Settings } from "./settings.js";
import { BlobStore } from "./store/blob-store.js";
import { S3Archive } from "./store/s3-archive.js";
import { checkSignerTools } from "./release/sign.js";
import { executeBuild } from "./worker/execute.js";
import { Worker } from "./worker/worker.js";

const USAGE = `usage: imagespec-serve [serve]                 run the API and/or a worker (SERVICE_ROLE=api|worker|all)
       imagespec-serve migrate                 apply the database migrations
       imagespec-serve tenant add ID [--default-priority N] [--max-priority N]
       imagespec-serve token add TENANT        print a new bearer token for the tenant (shown once)
settings are environment variables; see the README's "Build service" section
`;

const err = (s: string) => process.stderr.write(s + "\n");

function flag(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  if (v === undefined || !/^-?\d+$/.test(v)) throw new SettingsError(`${name}: a whole number is required`);
  return Number(v);
}

async function serve(s: Settings): Promise<void> {
  // Before anything listens or claims: a worker without its signers' programs would fail every build after its push.
  if (s.role !== "api") await checkSignerTools(s.release);
  const applied = await migrate(s.databaseUrl);
  if (applied.length) err(`migrations applied: ${applied.join(", ")}`);
  const pool = createPool(s.databaseUrl, 10, err);
  const store = new BlobStore(s.dataDir, s.s3 ? new S3Archive(s.s3) : undefined);
  await store.init();
  const stops: Array<() => Promise<void>> = [];
  if (s.role !== "worker") {
    const app = await buildApp({ pool, store, settings: s });
    const at = await app.listen({ host: s.host, port: s.port });
    err(`imagespec-serve: API listening on ${at}`);
    stops.push(() => app.close());
  }
  if (s.role !== "api") {
    const worker = new Worker(pool, store, s, (c) => executeBuild({ ...c, store, settings: s }), err);
    worker.start();
    err(`imagespec-serve: worker ${s.workerId} running (${s.workerConcurrency} at a time, lease ${s.leaseSeconds} s)`);
    stops.push(() => worker.stop());
  }
  const shutdown = async (signal: string) => {
    err(`imagespec-serve: ${signal}; finishing`);
    await Promise.all(stops.map((f) => f()));
    await pool.end();
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [cmd = "serve", sub, ...rest] = argv;
  if (cmd === "help" || cmd === "--help" || cmd === "-h") {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    const s = readSettings(env);
    if (cmd === "serve") {
      await serve(s);
      return -1; // keeps running
    }
    if (cmd === "migrate") {
      const applied = await migrate(s.databaseUrl);
      err(applied.length ? `applied: ${applied.join(", ")}` : "up to date");
      return 0;
    }
    const pool = createPool(s.databaseUrl, 2, err);
    try {
      await migrate(s.databaseUrl);
      if (cmd === "tenant" && sub === "add" && rest[0]) {
        const defaultPriority = flag(rest, "--default-priority", 0);
        await createTenant(pool, { id: rest[0], defaultPriority, maxPriority: flag(rest, "--max-priority", Math.max(0, defaultPriority)) });
        err(`tenant ${rest[0]} saved`);
        return 0;
      }
      if (cmd === "token" && sub === "add" && rest[0]) {
        process.stdout.write((await issueToken(pool, rest[0])) + "\n");
        return 0;
      }
    } finally {
      await pool.end();
    }
    err(USAGE);
    return 2;
  } catch (e) {
    err(`imagespec-serve: ${(e as Error).message}`);
    return e instanceof SettingsError ? 2 : 1;
  }
}

const invokedDirectly = process.argv[1] && /imagespec-serve|service[\\/]main\.ts$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then((code) => {
    if (code >= 0) process.exitCode = code;
  });
}
