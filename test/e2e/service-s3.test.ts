/**
 * Logs and scan reports in S3-compatible storage: a real build whose log, once the build ends,
 * leaves the directory for the bucket and is still served (whole, from an offset, followed);
 * scan reports go to the bucket directly, and stay in the directory when the bucket is away.
 * The S3 server is moto's (Python, on a loopback port the test starts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlobStore } from "../../service/store/blob-store.js";
import { S3Archive } from "../../service/store/s3-archive.js";
import { baseImage, engineEnv, frontendImage, registry } from "./harness.js";
import { databaseUrl } from "./service-env.js";
import { api, ended, startService, type TestService } from "./service-support.js";

const token = `${process.pid}-${Date.now()}`;
const BUCKET = "imagespec-logs";
let moto: ChildProcess;
let endpoint: string;
let svc: TestService;
let s3: S3Client;

/** Starts moto's S3 on a port of its choosing and answers its URL. */
function startMoto(): Promise<string> {
  const script = [
    "import sys, time",
    "from moto.server import ThreadedMotoServer",
    "s = ThreadedMotoServer(ip_address='127.0.0.1', port=0, verbose=False)",
    "s.start()",
    "print('http://%s:%d' % s.get_host_and_port(), flush=True)",
    "sys.stdin.read()",
    "s.stop()",
  ].join("\n");
  // Its request log goes to stderr: kept, and shown only if it does not start.
  moto = spawn("python3", ["-c", script], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  moto.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    moto.once("error", reject);
    moto.once("exit", (code) => reject(new Error(`moto's server exited (${code}); is the Python package moto[server] installed?\n${stderr}`)));
    createInterface({ input: moto.stdout! }).once("line", resolve);
  });
}

beforeAll(async () => {
  endpoint = await startMoto();
  // moto takes any credentials; the SDK's default chain reads these.
  process.env.AWS_ACCESS_KEY_ID = "test-access-key";
  process.env.AWS_SECRET_ACCESS_KEY = "test-secret-key";
  s3 = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  svc = await startService({
    databaseUrl: databaseUrl(),
    engineEnv: engineEnv() as Record<string, string>,
    frontendImage: frontendImage(),
    tenants: ["alpha"],
    env: { SERVICE_S3_BUCKET: BUCKET, SERVICE_S3_ENDPOINT: endpoint, SERVICE_S3_PREFIX: `e2e-${token}` },
  });
}, 120_000);

afterAll(async () => {
  await svc?.close();
  moto?.stdin?.end();
  moto?.kill();
});

async function object(key: string): Promise<string> {
  const r = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return r.Body!.transformToString();
}

const auth = () => ({ authorization: `Bearer ${svc.tokens.alpha}` });

describe("build service: logs and scan reports in S3-compatible storage", () => {
  it("an ended build's log moves to the bucket and is served from there: whole, from an offset, followed", async () => {
    const a = api(svc, "alpha");
    const sub = await a.submit({ spec: JSON.stringify({ base_image: baseImage(), layers: [{ commands: { cmd: [`echo s3-log-${token}`] } }] }), specFilename: "spec.json", target: `${registry()}/svc-s3/app:${token}` });
    expect(sub.status).toBe(202);
    const id = sub.body.id;
    const b = await a.waitFor(id, ended);
    expect(b.state, b.reason).toBe("succeeded");
    // The worker archives the log just after recording the end.
    const key = `e2e-${token}/logs/${id}.log`;
    let stored = "";
    for (let i = 0; i < 100 && !stored; i++) {
      stored = await object(key).catch(() => "");
      if (!stored) await new Promise((r) => setTimeout(r, 100));
    }
    expect(stored).toContain(`s3-log-${token}`);
    expect(stored).toMatch(/--- succeeded/);
    expect(existsSync(svc.store.logPath(id))).toBe(false);

    const whole = await fetch(`${svc.url}/v1/builds/${id}/logs`, { headers: auth() });
    expect(whole.headers.get("x-log-size")).toBe(String(Buffer.byteLength(stored)));
    expect(await whole.text()).toBe(stored);
    const tail = await (await fetch(`${svc.url}/v1/builds/${id}/logs?offset=10`, { headers: auth() })).text();
    expect(tail).toBe(Buffer.from(stored).subarray(10).toString("utf8"));
    const followed = await (await fetch(`${svc.url}/v1/builds/${id}/logs?follow=true`, { headers: auth() })).text();
    expect(followed).toBe(stored);
  });

  it("a scan report goes to the bucket and is served from it; with the bucket away it stays in the directory", async () => {
    const a = api(svc, "alpha");
    const sub = await a.submit({ spec: JSON.stringify({ base_image: baseImage(), layers: [{ commands: { cmd: ["true"] } }] }), specFilename: "spec.json", target: `${registry()}/svc-s3/report:${token}` });
    await a.waitFor(sub.body.id, ended);
    const report = Buffer.from(JSON.stringify({ summary: `report-${token}`, vulnerabilities: [] }));
    expect(await svc.store.keepReport(sub.body.id, report)).toBe(`s3://${BUCKET}/e2e-${token}/scan-reports/${sub.body.id}.json`);
    expect(readdirSync(join(svc.store.root, "reports"))).toEqual([]);
    expect(await object(`e2e-${token}/scan-reports/${sub.body.id}.json`)).toBe(report.toString());
    const served = await fetch(`${svc.url}/v1/builds/${sub.body.id}/scan-report`, { headers: auth() });
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual({ summary: `report-${token}`, vulnerabilities: [] });

    // An archive that does not answer: the report is kept here, and the place says why.
    const dir = mkdtempSync(join(tmpdir(), "svc-s3-away-"));
    const away = new BlobStore(dir, new S3Archive({ bucket: BUCKET, prefix: "", endpoint: "http://127.0.0.1:1", region: "us-east-1" }));
    await away.init();
    const where = await away.keepReport("b1", report);
    expect(where).toMatch(new RegExp(`^${join(dir, "reports", "b1.json")} \\(the archive failed: .+\\)$`));
    expect((await away.readReport("b1"))?.toString()).toBe(report.toString());
  });
});
