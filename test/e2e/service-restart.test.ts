/**
 * The service and its database restarted: a PostgreSQL cluster of this test's own (initdb on a
 * free loopback port, run as the test environment runs its cluster) is stopped under the API,
 * which answers 503, and started again, after which the API answers by itself; the service is
 * replaced by a new one; the builds queued before all run, each exactly once.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseImage, engineEnv, frontendImage, registry } from "./harness.js";
import { api, ended, startService, type TestService } from "./service-support.js";

const PG_BIN = process.env.IMAGESPEC_PG_BIN ?? "/usr/lib/postgresql/15/bin";
const token = `${process.pid}-${Date.now()}`;
const asPgUser = (cmd: string, args: string[]) => ["--user", "--map-user=1000", "--map-group=1000", join(PG_BIN, cmd), ...args];
// Under the environment's state directory, which (like the test cluster's) only root may enter.
const dir = mkdtempSync(join(process.env.IMAGESPEC_ENV_DIR ?? join(homedir(), ".cache/imagespec-env"), "pg-restart-"));
let port = 0;
let pg: ChildProcess | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function startPg(): Promise<void> {
  pg = spawn("unshare", asPgUser("postgres", ["-D", join(dir, "data"), "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]), { stdio: "ignore" });
  for (;;) {
    try {
      execFileSync(join(PG_BIN, "pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(port)]);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function stopPg(): Promise<void> {
  const p = pg!;
  pg = undefined;
  const exited = new Promise((r) => p.once("exit", r));
  p.kill("SIGINT");
  await exited;
}

let svc: TestService;
beforeAll(async () => {
  port = await freePort();
  execFileSync("unshare", asPgUser("initdb", ["-D", join(dir, "data"), "-U", "imagespec", "--auth=trust", "-E", "UTF8", "--no-instructions"]), { stdio: "ignore" });
  await startPg();
  svc = await startService({ databaseUrl: `postgres://imagespec@127.0.0.1:${port}/postgres`, engineEnv: engineEnv() as Record<string, string>, frontendImage: frontendImage(), tenants: ["alpha"], workers: 0 });
});
afterAll(async () => {
  await svc?.close().catch(() => undefined);
  if (pg) await stopPg();
  execFileSync("rm", ["-rf", dir]);
});

describe("restarts", () => {
  it("503 while the database is away, recovery by itself, queued builds neither lost nor run twice", async () => {
    const a = api(svc, "alpha");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await a.submit({ spec: JSON.stringify({ base_image: baseImage(), layers: [{ commands: { cmd: [`echo restart-${token}-${i}`] } }] }), target: `${registry()}/svc-restart/app:${token}-${i}` });
      expect(r.status).toBe(202);
      ids.push(r.body.id);
    }
    await stopPg();
    const headers = { authorization: `Bearer ${svc.tokens.alpha}` };
    const down = await fetch(`${svc.url}/v1/builds/${ids[0]}`, { headers });
    expect(down.status).toBe(503);
    expect((await down.json()).error).toMatch(/database is not reachable/);
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(503);
    await startPg();
    // The pool reconnects by itself: the same API process answers again.
    let back = 0;
    for (let i = 0; i < 100 && back !== 200; i++) {
      back = (await fetch(`${svc.url}/v1/builds/${ids[0]}`, { headers })).status;
      if (back !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    expect(back).toBe(200);
    // Workers start only now: the builds queued before the outage are all still there to claim.
    svc.startWorker("after-restart-1");
    svc.startWorker("after-restart-2");
    const done = await Promise.all(ids.map((id) => a.waitFor(id, ended)));
    for (const b of done) {
      expect(b.state, b.reason).toBe("succeeded");
      expect(b.attempts).toBe(1);
    }
    expect(svc.workers.reduce((n, w) => n + w.ended.succeeded, 0)).toBe(3);
  });
});
