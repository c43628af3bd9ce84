/** A build service for e2e tests: the API on a loopback port and workers, on a fresh database. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { buildApp } from "../../service/api/app.js";
import { createTenant, issueToken } from "../../service/db/tenants.js";
import { readSettings, type Settings } from "../../service/settings.js";
import { BlobStore } from "../../service/store/blob-store.js";
import { S3Archive } from "../../service/store/s3-archive.js";
import { executeBuild } from "../../service/worker/execute.js";
import { Worker } from "../../service/worker/worker.js";
import { freshDatabase, type TestDatabase } from "../support/service-db.js";

export interface TestService {
  db: TestDatabase;
  store: BlobStore;
  settings: Settings;
  url: string;
  env: Record<string, string>;
  tokens: Record<string, string>;
  workers: Worker[];
  startWorker(id: string, overrides?: Partial<Settings>): Worker;
  close(): Promise<void>;
}

export async function startService(o: { databaseUrl: string; engineEnv: Record<string, string>; frontendImage: string; tenants: string[]; env?: Record<string, string>; workers?: number }): Promise<TestService> {
  const db = await freshDatabase(o.databaseUrl);
  const dataDir = mkdtempSync(join(tmpdir(), "svc-data-"));
  const env: Record<string, string> = {
    ...o.engineEnv,
    DATABASE_URL: db.url,
    SERVICE_DATA_DIR: dataDir,
    SERVICE_BUILDKIT_HOSTS: "docker",
    IMAGESPEC_FRONTEND_IMAGE: o.frontendImage,
    SERVICE_BUILD_NETWORK: "host",
    SERVICE_LEASE_SECONDS: "6",
    SERVICE_POLL_MS: "200",
    SERVICE_SECRET_KEY: "11".repeat(32),
    ...o.env,
  };
  const settings = readSettings({ ...process.env, ...env });
  const store = new BlobStore(dataDir, settings.s3 ? new S3Archive(settings.s3) : undefined);
  await store.init();
  const tokens: Record<string, string> = {};
  for (const t of o.tenants) {
    await createTenant(db.pool, { id: t, defaultPriority: 0, maxPriority: 10 });
    tokens[t] = await issueToken(db.pool, t);
  }
  const app: FastifyInstance = await buildApp({ pool: db.pool, store, settings });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  const workers: Worker[] = [];
  const startWorker = (id: string, overrides: Partial<Settings> = {}) => {
    const s = { ...settings, workerId: id, ...overrides };
    const w = new Worker(db.pool, store, s, (c) => executeBuild({ ...c, store, settings: s, env: { ...process.env, ...env } }), () => undefined);
    w.start();
    workers.push(w);
    return w;
  };
  for (let i = 0; i < (o.workers ?? 1); i++) startWorker(`test-worker-${i}`);
  return {
    db,
    store,
    settings,
    url,
    env,
    tokens,
    workers,
    startWorker,
    close: async () => {
      await Promise.all(workers.map((w) => w.stop()));
      await app.close();
      await db.drop();
    },
  };
}

export interface Api {
  submit(body: object): Promise<{ status: number; body: any }>;
  get(path: string): Promise<any>;
  post(path: string): Promise<any>;
  upload(tarball: Buffer): Promise<string>;
  waitFor(id: string, done: (b: any) => boolean, pollMs?: number): Promise<any>;
}

export function api(svc: TestService, tenant: string): Api {
  const headers = { authorization: `Bearer ${svc.tokens[tenant]}` };
  const json = async (res: Response) => ({ status: res.status, body: await res.json() });
  return {
    submit: async (body) => json(await fetch(`${svc.url}/v1/builds`, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(body) })),
    get: async (path) => (await fetch(`${svc.url}${path}`, { headers })).json(),
    post: async (path) => (await fetch(`${svc.url}${path}`, { method: "POST", headers })).json(),
    upload: async (tarball) => {
      const r = await fetch(`${svc.url}/v1/contexts`, { method: "POST", headers: { ...headers, "content-type": "application/gzip" }, body: new Uint8Array(tarball) });
      const b = await r.json();
      if (r.status !== 201) throw new Error(JSON.stringify(b));
      return b.id;
    },
    waitFor: async (id, done, pollMs = 250) => {
      for (;;) {
        const b = await (await fetch(`${svc.url}/v1/builds/${id}`, { headers })).json();
        if (done(b)) return b;
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
  };
}

export const ended = (b: { state: string }) => ["succeeded", "failed", "cancelled"].includes(b.state);
