/**
 * The build service's HTTP API on a real PostgreSQL (no worker runs here: builds stay queued):
 * tokens, tenant isolation, validation messages, idempotency, listing, cancel, uploads, logs, OpenAPI.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../service/api/app.js";
import { createTenant, issueToken } from "../../service/db/tenants.js";
import { BlobStore } from "../../service/store/blob-store.js";
import { freshDatabase, type TestDatabase } from "../support/service-db.js";
import { databaseUrl } from "./service-env.js";

let db: TestDatabase;
let app: FastifyInstance;
let store: BlobStore;
let alpha: string;
let beta: string;
const SECRET = `sekrit-${process.pid}-value`;
const spec = "base_image: 127.0.0.1:5000/debian-python:3.11-bookworm\npython_version: '3.11'\n";

beforeAll(async () => {
  db = await freshDatabase(databaseUrl());
  store = new BlobStore(mkdtempSync(join(tmpdir(), "svc-api-")));
  await store.init();
  await createTenant(db.pool, { id: "alpha", defaultPriority: 0, maxPriority: 5 });
  await createTenant(db.pool, { id: "beta", defaultPriority: 0, maxPriority: 0 });
  alpha = await issueToken(db.pool, "alpha");
  beta = await issueToken(db.pool, "beta");
  app = await buildApp({
    pool: db.pool,
    store,
    settings: { defaultRepository: undefined, defaultTimeoutSeconds: 600, maxTimeoutSeconds: 3600, maxAttempts: 2, secretKey: Buffer.alloc(32, 7), maxUploadBytes: 64 * 1024, publicUrl: "http://svc.test" },
  });
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const submit = (body: object, token = alpha, headers: Record<string, string> = {}) =>
  app.inject({ method: "POST", url: "/v1/builds", headers: { ...auth(token), ...headers }, payload: body });

function tarball(files: Record<string, string>): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "svc-ctx-"));
  for (const [n, c] of Object.entries(files)) writeFileSync(join(dir, n), c);
  return execFileSync("tar", ["-czf", "-", "-C", dir, "."]);
}

describe("build service API", () => {
  it("refuses requests without a token or with an unknown one", async () => {
    expect((await app.inject({ method: "GET", url: "/v1/builds" })).statusCode).toBe(401);
    const r = await app.inject({ method: "GET", url: "/v1/builds", headers: auth("isb_nope") });
    expect(r.statusCode).toBe(401);
    expect(r.json().error).toMatch(/unknown token/);
    await expect(issueToken(db.pool, "nobody")).rejects.toThrow(/no tenant "nobody"/);
  });

  it("accepts a build: 202 with its id and URL; the same idempotency key returns the same build", async () => {
    const r = await submit({ spec, target: "127.0.0.1:5000/svc/app:1", idempotencyKey: "one" });
    expect(r.statusCode).toBe(202);
    const b = r.json();
    expect(b.state).toBe("queued");
    expect(b.url).toBe(`http://svc.test/v1/builds/${b.id}`);
    expect(r.headers.location).toBe(b.url);
    const again = await submit({ spec, target: "127.0.0.1:5000/svc/app:1" }, alpha, { "idempotency-key": "one" });
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(b.id);
    const got = await app.inject({ method: "GET", url: `/v1/builds/${b.id}`, headers: auth(alpha) });
    expect(got.json().target).toBe("127.0.0.1:5000/svc/app:1");
  });

  it("another tenant's build answers 404, for reading, cancelling and logs", async () => {
    const b = (await submit({ spec, target: "127.0.0.1:5000/svc/app:2" })).json();
    for (const [method, url] of [["GET", `/v1/builds/${b.id}`], ["POST", `/v1/builds/${b.id}/cancel`], ["GET", `/v1/builds/${b.id}/logs`]] as const) {
      const r = await app.inject({ method, url, headers: auth(beta) });
      expect(r.statusCode).toBe(404);
    }
    const list = (await app.inject({ method: "GET", url: "/v1/builds", headers: auth(beta) })).json();
    expect(list.builds.map((x: { id: string }) => x.id)).not.toContain(b.id);
  });

  it("names the field of a bad request, and stores nothing", async () => {
    const count = async () => Number((await db.pool.query("SELECT count(*) FROM builds")).rows[0].count);
    const before = await count();
    const cases: Array<[object, RegExp]> = [
      [{ spec }, /body must have required property 'target'/],
      [{ target: "127.0.0.1:5000/a:1" }, /spec: give the spec/],
      [{ spec, target: "127.0.0.1:5000/a:1", colour: "red" }, /must NOT have additional properties/],
      [{ spec: "base_image: [oops\n", target: "127.0.0.1:5000/a:1" }, /spec: invalid image spec: imagespec.yaml:\d+:\d+/],
      [{ spec: "python_version: 3.11\nbase_image: 7\n", target: "127.0.0.1:5000/a:1" }, /spec: invalid image spec \(2 problems\):\n  imagespec.yaml:1:17: python_version: .*\n  imagespec.yaml:2:13: base_image: expected a string/],
      [{ spec, target: "Not A Ref" }, /target: .*not a valid image reference/],
      [{ spec, target: "127.0.0.1:5000/a:1", frontendOptions: { "base-image-allow": "*" } }, /frontendOptions.base-image-allow: set by the service/],
      [{ spec, target: "127.0.0.1:5000/a:1", priority: 9 }, /priority: 9 is above 5/],
      [{ spec, target: "127.0.0.1:5000/a:1", timeoutSeconds: 999999 }, /timeoutSeconds: at most 3600/],
      [{ spec, target: "127.0.0.1:5000/a:1", platforms: ["windows 95"] }, /body\/platforms\/0 must match pattern/],
      [{ spec, target: "127.0.0.1:5000/a:1", context: { upload: "5b0c6a8e-1d57-4a4e-9a43-2f9f7c1d0b11" } }, /context.upload: no upload/],
      [{ spec, target: "127.0.0.1:5000/a:1", context: { url: "file:///etc/passwd" } }, /body\/context\/url must match pattern/],
    ];
    for (const [body, message] of cases) {
      const r = await submit(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error).toMatch(message);
    }
    expect(await count()).toBe(before);
  });

  it("keeps build secrets sealed: never in a row in clear, never in an answer", async () => {
    const r = await submit({ spec, target: "127.0.0.1:5000/svc/secret:1", secrets: { token: SECRET } });
    expect(r.statusCode).toBe(202);
    expect(r.body).not.toContain(SECRET);
    expect(r.json().secretIds).toEqual(["token"]);
    const dump = await db.pool.query("SELECT b::text AS row FROM builds b");
    for (const row of dump.rows) expect(row.row).not.toContain(SECRET);
    const sealed = await db.pool.query("SELECT secrets_sealed FROM builds WHERE id = $1", [r.json().id]);
    expect(sealed.rows[0].secrets_sealed.includes(Buffer.from(SECRET))).toBe(false);
  });

  it("lists with a cursor and a state filter; cancels a queued build", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await submit({ spec, target: `127.0.0.1:5000/svc/list:${i}` }, beta)).json().id);
    const first = (await app.inject({ method: "GET", url: "/v1/builds?limit=2", headers: auth(beta) })).json();
    expect(first.builds.map((b: { id: string }) => b.id)).toEqual([ids[4], ids[3]]);
    const second = (await app.inject({ method: "GET", url: `/v1/builds?limit=2&cursor=${first.next}`, headers: auth(beta) })).json();
    expect(second.builds.map((b: { id: string }) => b.id)).toEqual([ids[2], ids[1]]);
    const c = await app.inject({ method: "POST", url: `/v1/builds/${ids[0]}/cancel`, headers: auth(beta) });
    expect(c.json().state).toBe("cancelled");
    const cancelled = (await app.inject({ method: "GET", url: "/v1/builds?state=cancelled", headers: auth(beta) })).json();
    expect(cancelled.builds.map((b: { id: string }) => b.id)).toEqual([ids[0]]);
    expect((await app.inject({ method: "GET", url: "/v1/builds?limit=0", headers: auth(beta) })).statusCode).toBe(400);
    expect((await app.inject({ method: "GET", url: "/v1/builds?state=done", headers: auth(beta) })).statusCode).toBe(400);
  });

  it("uploads: a good tarball is kept and usable; too large, malformed or escaping ones are refused and nothing is kept", async () => {
    const up = (body: Buffer, type = "application/gzip") => app.inject({ method: "POST", url: "/v1/contexts", headers: { ...auth(alpha), "content-type": type }, payload: body });
    const ok = await up(tarball({ "main.py": "print(1)\n" }));
    expect(ok.statusCode).toBe(201);
    const id = ok.json().id;
    const b = await submit({ spec, target: "127.0.0.1:5000/svc/ctx:1", context: { upload: id } });
    expect(b.statusCode).toBe(202);
    // beta cannot use alpha's upload.
    expect((await submit({ spec, target: "127.0.0.1:5000/svc/ctx:2", context: { upload: id } }, beta)).json().error).toMatch(/no upload/);

    const kept = () => [readdirSync(join(store.root, "contexts")).length, readdirSync(join(store.root, "incoming")).length];
    const before = kept();
    const big = await up(Buffer.alloc(100 * 1024, 1), "application/x-tar");
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toMatch(/more than the 65536 allowed|larger than 65536/);
    const junk = await up(Buffer.from("not a tar".repeat(100)), "application/x-tar");
    expect(junk.statusCode).toBe(400);
    expect(junk.json().error).toMatch(/not a readable tar/);
    const evil = Buffer.concat([Buffer.from(readFileSync(join(__dirname, "../fixtures/service/escape.tar")))]);
    const esc = await up(evil, "application/x-tar");
    expect(esc.statusCode).toBe(400);
    expect(esc.json().error).toMatch(/leads out of the context/);
    expect(kept()).toEqual(before);
    expect(Number((await db.pool.query("SELECT count(*) FROM contexts")).rows[0].count)).toBe(1);
  });

  it("serves the log from an offset, and the OpenAPI document", async () => {
    const b = (await submit({ spec, target: "127.0.0.1:5000/svc/log:1" })).json();
    await store.appendLog(b.id, "line one\nline two\n");
    const all = await app.inject({ method: "GET", url: `/v1/builds/${b.id}/logs`, headers: auth(alpha) });
    expect(all.body).toBe("line one\nline two\n");
    expect(all.headers["x-log-size"]).toBe("18");
    const tail = await app.inject({ method: "GET", url: `/v1/builds/${b.id}/logs?offset=9`, headers: auth(alpha) });
    expect(tail.body).toBe("line two\n");
    const doc = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/v1/builds", "/v1/builds/{id}", "/v1/builds/{id}/cancel", "/v1/builds/{id}/logs", "/v1/contexts"]));
    expect(doc.paths["/v1/builds"].post.requestBody.content["application/json"].schema.required).toEqual(["target"]);
  });
});
