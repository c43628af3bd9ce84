/**
 * The build service end to end: HTTP API, PostgreSQL queue and workers running real builds on
 * the test engine through our frontend image, pushing to the test registry.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/paths.js";
import { baseImage, engineEnv, frontendImage, registry, runIn } from "./harness.js";
import { databaseUrl } from "./service-env.js";
import { api, ended, startService, type TestService } from "./service-support.js";

const token = `${process.pid}-${Date.now()}`;
const SECRET = `svc-secret-${token}-value`;
let svc: TestService;

beforeAll(async () => {
  svc = await startService({ databaseUrl: databaseUrl(), engineEnv: engineEnv() as Record<string, string>, frontendImage: frontendImage(), tenants: ["alpha", "beta"] });
});
afterAll(async () => svc?.close());

function tarball(files: Record<string, string>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "svc-ctx-"));
  for (const [n, c] of Object.entries(files)) writeFileSync(join(dir, n), c);
  return execFileSync("tar", ["-czf", "-", "-C", dir, "."]);
}

const spec = (cmds: string[], extra: object[] = []) => JSON.stringify({ base_image: baseImage(), layers: [{ commands: { cmd: cmds } }, ...extra] });

async function registryDigest(repo: string, tag: string): Promise<string> {
  const res = await fetch(`http://${registry()}/v2/${repo}/manifests/${tag}`, {
    method: "HEAD",
    headers: { Accept: "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json" },
  });
  return res.headers.get("docker-content-digest") ?? `HTTP ${res.status}`;
}

/** Reads a followed log to its end (the answer ends when the build does). */
async function followLog(id: string, tenant = "alpha"): Promise<string> {
  const res = await fetch(`${svc.url}/v1/builds/${id}/logs?follow=true`, { headers: { authorization: `Bearer ${svc.tokens[tenant]}` } });
  return res.text();
}

describe("build service", () => {
  it("builds an uploaded context: queued → running → pushing → succeeded; the log follows live; the result is the pushed digest; secrets stay out", async () => {
    const a = api(svc, "alpha");
    const upload = await a.upload(tarball({ "main.py": `print("${token}")\n` }));
    const target = `${registry()}/svc-e2e/app:${token}`;
    const sub = await a.submit({
      spec: JSON.stringify({
        base_image: baseImage(),
        layers: [
          { copy_config: { src: "main.py", dst: "/app/main.py" } },
          { commands: { cmd: [`echo built-${token}`, 'echo "len:$(wc -c < "$TOK")" > /evidence', 'echo "tok=$(cat "$TOK")"'], secret_mounts: [{ group: "creds", key: "token", mount_requirement: "FILE", env_var: "TOK" }] } },
        ],
      }),
      specFilename: "spec.json",
      context: { upload },
      target,
      secrets: { creds_token: SECRET },
      frontendOptions: { installer: "pip" },
    });
    expect(sub.status).toBe(202);
    const log = await followLog(sub.body.id);
    const b = await a.get(`/v1/builds/${sub.body.id}`);
    expect(b.state, b.reason).toBe("succeeded");
    expect(b.result).toBe(`${target}@${await registryDigest("svc-e2e/app", token)}`);
    expect(b.attempts).toBe(1);
    expect(log).toMatch(/#\d+ DONE/);
    expect(log).toContain(`built-${token}`);
    expect(log).toContain(`--- succeeded:`.slice(0, 13));
    // The step printed the secret; the log has it blanked.
    expect(log).not.toContain(SECRET);
    expect(log).toContain("****");
    expect(await runIn(target, "cat /evidence /app/main.py", { pull: true })).toBe(`len:${SECRET.length}\nprint("${token}")\n`);

    // The same target again: reported from the registry, not built.
    const again = await a.submit({ spec: spec(["true"]), target });
    const done = await a.waitFor(again.body.id, ended);
    expect(done.state).toBe("succeeded");
    expect(done.alreadyExisted).toBe(true);
    expect(done.result).toBe(b.result);

    // Nowhere in the database, the logs or the answers.
    const rows = await svc.db.pool.query("SELECT b::text AS row FROM builds b");
    for (const r of rows.rows) expect(r.row).not.toContain(SECRET);
    for (const f of readdirSync(join(svc.store.root, "logs"))) expect(readFileSync(join(svc.store.root, "logs", f), "utf8")).not.toContain(SECRET);
    expect(JSON.stringify(await a.get("/v1/builds"))).not.toContain(SECRET);
  });

  it("a target without a tag gets the digest of its inputs; SSE resumes from Last-Event-ID", async () => {
    const a = api(svc, "alpha");
    const sub = await a.submit({ spec: spec([`echo untagged-${token}`]), target: `${registry()}/svc-e2e/untagged` });
    const b = await a.waitFor(sub.body.id, ended);
    expect(b.state, b.reason).toBe("succeeded");
    expect(b.result).toMatch(new RegExp(`^${registry()}/svc-e2e/untagged:[0-9a-f]{32}@sha256:[0-9a-f]{64}$`));
    const headers = { authorization: `Bearer ${svc.tokens.alpha}`, accept: "text/event-stream" };
    const whole = await (await fetch(`${svc.url}/v1/builds/${b.id}/logs`, { headers })).text();
    const ids = [...whole.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(whole).toMatch(/event: end/);
    const from = ids[0]!;
    const rest = await (await fetch(`${svc.url}/v1/builds/${b.id}/logs`, { headers: { ...headers, "last-event-id": String(from) } })).text();
    const plain = (await (await fetch(`${svc.url}/v1/builds/${b.id}/logs`, { headers: { authorization: headers.authorization } })).text());
    const data = (s: string) => [...s.matchAll(/^data: (.*)$/gm)].map((m) => m[1]).join("\n");
    expect(data(rest)).toBe(plain.slice(from).replace(/\n$/, ""));
  });

  it("a build that fails says why: the failing step's error, with its output", async () => {
    const a = api(svc, "beta");
    const sub = await a.submit({ spec: spec([`echo about-to-fail-${token}`, "exit 3"]), target: `${registry()}/svc-e2e/fails:${token}` });
    const b = await a.waitFor(sub.body.id, ended);
    expect(b.state).toBe("failed");
    expect(b.reason).toMatch(/^build failed: .*exit code: 3/s);
    expect(b.attempts).toBe(1);
    const log = await (await fetch(`${svc.url}/v1/builds/${b.id}/logs`, { headers: { authorization: `Bearer ${svc.tokens.beta}` } })).text();
    expect(log).toContain(`about-to-fail-${token}`);
    expect(await registryDigest("svc-e2e/fails", token)).toBe("HTTP 404");
  });

  it("a base image the operator denies fails the build with the policy's reason", async () => {
    const deny = await startService({
      databaseUrl: databaseUrl(),
      engineEnv: engineEnv() as Record<string, string>,
      frontendImage: frontendImage(),
      tenants: ["alpha"],
      env: { SERVICE_BASE_IMAGE_DENY: `${registry()}/debian-python:*` },
    });
    try {
      const a = api(deny, "alpha");
      const sub = await a.submit({ spec: spec(["true"]), target: `${registry()}/svc-e2e/denied:${token}` });
      const b = await a.waitFor(sub.body.id, ended);
      expect(b.state).toBe("failed");
      expect(b.reason).toContain(`${registry()}/debian-python:*`);
    } finally {
      await deny.close();
    }
  });

  it("cancel stops a running solve; a timeout stops another", async () => {
    const a = api(svc, "alpha");
    const long = await a.submit({ spec: spec([`echo long-${token}`, "sleep 300"]), target: `${registry()}/svc-e2e/cancel:${token}` });
    // Wait until the step itself runs (its echo is in the log), then cancel.
    for (;;) {
      const now = await a.get(`/v1/builds/${long.body.id}`);
      if (ended(now)) throw new Error(`ended before it could be cancelled: ${now.state} ${now.reason}`);
      const log = await (await fetch(`${svc.url}/v1/builds/${long.body.id}/logs`, { headers: { authorization: `Bearer ${svc.tokens.alpha}` } })).text();
      if (log.includes(`long-${token}`)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await a.post(`/v1/builds/${long.body.id}/cancel`);
    const c = await a.waitFor(long.body.id, ended);
    expect(c.state).toBe("cancelled");
    expect(c.reason).toMatch(/solve was stopped/);

    const slow = await a.submit({ spec: spec([`echo slow-${token}`, "sleep 300"]), target: `${registry()}/svc-e2e/timeout:${token}`, timeoutSeconds: 5 });
    const t = await a.waitFor(slow.body.id, ended);
    expect(t.state).toBe("failed");
    expect(t.reason).toBe("timeout: the build ran longer than its 5 s limit and was stopped");
  });

  it("a worker killed mid-build: its lease expires and the build is run again by another, once", async () => {
    // Only the killed worker may claim at first: this file's in-process workers stop.
    await Promise.all(svc.workers.map((w) => w.stop()));
    svc.workers.length = 0;
    const a = api(svc, "alpha");
    const sub = await a.submit({ spec: spec([`echo killed-${token}`, "sleep 6"]), target: `${registry()}/svc-e2e/killed:${token}` });
    const child = spawn("node", [join(repoRoot, "dist/imagespec-serve.mjs"), "serve"], {
      env: { ...process.env, ...svc.env, SERVICE_ROLE: "worker", SERVICE_WORKER_ID: "doomed-worker", SERVICE_LEASE_SECONDS: "4" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const running = await a.waitFor(sub.body.id, (b) => b.state === "running" || ended(b));
    expect(running.state, stderr).toBe("running");
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    svc.startWorker("rescuer", { leaseSeconds: 4 });
    const b = await a.waitFor(sub.body.id, ended);
    expect(b.state, b.reason).toBe("succeeded");
    expect(b.attempts).toBe(2);
    const log = await (await fetch(`${svc.url}/v1/builds/${b.id}/logs`, { headers: { authorization: `Bearer ${svc.tokens.alpha}` } })).text();
    expect(log).toContain("--- attempt 1 of 2 on doomed-worker ---");
    expect(log).toContain("--- attempt 2 of 2 on rescuer ---");
  });
});
