import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { parseChallenge, tagDigest } from "../../../client/src/registry.js";

const DIGEST = "sha256:" + "a".repeat(64);
const seen: string[] = [];
const basic = "Basic " + Buffer.from("alice:pw").toString("base64");
const server = http.createServer((req, res) => {
  seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? "-"}`);
  const url = new URL(req.url!, "http://x");
  if (url.pathname === "/token") {
    if (req.headers.authorization !== basic) return res.writeHead(401).end();
    return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token: `tok-${url.searchParams.get("scope")}` }));
  }
  const [, , repo, , tag] = url.pathname.split("/");
  if (repo === "basic" && req.headers.authorization !== basic) return res.writeHead(401, { "www-authenticate": 'Basic realm="r"' }).end();
  if (repo === "bearer" && req.headers.authorization !== "Bearer tok-repository:bearer:pull") {
    return res.writeHead(401, { "www-authenticate": `Bearer realm="http://${req.headers.host}/token",service="reg"` }).end();
  }
  if (tag === "there") return res.writeHead(200, { "docker-content-digest": DIGEST }).end();
  res.writeHead(404).end();
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
afterAll(() => void server.close());

const withCreds = { credentials: async (h: string) => (h === host ? { username: "alice", secret: "pw" } : undefined) };
const noCreds = { credentials: async () => undefined };

describe("tagDigest", () => {
  it("reports the digest of an existing tag and undefined for a missing one, over HTTP on the loopback", async () => {
    expect(await tagDigest(`${host}/open`, "there", host, { auth: noCreds })).toBe(DIGEST);
    expect(await tagDigest(`${host}/open`, "missing", host, { auth: noCreds })).toBeUndefined();
  });

  it("answers a Basic challenge with the configured credentials", async () => {
    expect(await tagDigest(`${host}/basic`, "there", host, { auth: withCreds })).toBe(DIGEST);
    await expect(tagDigest(`${host}/basic`, "there", host, { auth: noCreds })).rejects.toThrow(/none are configured/);
    const wrong = { credentials: async () => ({ username: "alice", secret: "nope" }) };
    await expect(tagDigest(`${host}/basic`, "there", host, { auth: wrong })).rejects.toThrow(/denied \(401\)/);
  });

  it("fetches a Bearer token from the realm with the credentials and the pull scope", async () => {
    seen.length = 0;
    expect(await tagDigest(`${host}/bearer`, "there", host, { auth: withCreds })).toBe(DIGEST);
    expect(seen.some((s) => s.startsWith("GET /token?service=reg&scope=repository%3Abearer%3Apull " + basic))).toBe(true);
    await expect(tagDigest(`${host}/bearer`, "there", host, { auth: noCreds })).rejects.toThrow(/token service answered 401/);
  });

  it("does not fall back to HTTP for other hosts", async () => {
    await expect(tagDigest("nonexistent.invalid/x", "t", "nonexistent.invalid", { auth: noCreds })).rejects.toThrow(/nonexistent.invalid/);
  });
});

describe("parseChallenge", () => {
  it("reads the scheme and quoted or bare parameters", () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual({
      scheme: "bearer",
      params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull,push" },
    });
    expect(parseChallenge("Basic realm=x")).toEqual({ scheme: "basic", params: { realm: "x" } });
  });
});

describe("attachedSboms", () => {
  it("finds each platform's SPDX statement through the index's attestation manifests, with the build's credentials", async () => {
    const { attachedSboms } = await import("../../../client/src/sbom.js");
    const { RepositoryReader } = await import("../../../client/src/registry.js");
    const d = (c: string) => "sha256:" + c.repeat(64);
    const statement = (name: string) => JSON.stringify({ _type: "https://in-toto.io/Statement/v0.1", predicateType: "https://spdx.dev/Document", subject: [], predicate: { name } });
    const docs: Record<string, string> = {
      "manifests/v1": JSON.stringify({
        manifests: [
          { digest: d("1"), platform: { os: "linux", architecture: "amd64" } },
          { digest: d("2"), platform: { os: "linux", architecture: "arm", variant: "v7" } },
          { digest: d("3"), platform: { os: "unknown", architecture: "unknown" }, annotations: { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": d("1") } },
          { digest: d("4"), platform: { os: "unknown", architecture: "unknown" }, annotations: { "vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": d("2") } },
        ],
      }),
      [`manifests/${encodeURIComponent(d("3"))}`]: JSON.stringify({ layers: [{ digest: d("5"), annotations: { "in-toto.io/predicate-type": "https://slsa.dev/provenance/v1" } }, { digest: d("6"), annotations: { "in-toto.io/predicate-type": "https://spdx.dev/Document" } }] }),
      [`manifests/${encodeURIComponent(d("4"))}`]: JSON.stringify({ layers: [{ digest: d("7"), annotations: { "in-toto.io/predicate-type": "https://spdx.dev/Document" } }] }),
      [`blobs/${d("6")}`]: statement("amd64 doc"),
      [`blobs/${d("7")}`]: statement("arm doc"),
    };
    const asked: string[] = [];
    const fake = (async (url: string | URL, init?: RequestInit) => {
      const u = String(url);
      const auth = (init?.headers as Record<string, string> | undefined)?.Authorization;
      asked.push(u.replace(/^https:\/\/reg\.example\/v2\/team\/app\//, ""));
      if (auth !== "Basic " + Buffer.from("bob:pw").toString("base64")) return new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="r"' } });
      const key = u.replace(/^https:\/\/reg\.example\/v2\/team\/app\//, "");
      return key in docs ? new Response(docs[key], { status: 200 }) : new Response(null, { status: 404 });
    }) as typeof fetch;
    const reader = new RepositoryReader("reg.example/team/app", "reg.example", { auth: { credentials: async () => ({ username: "bob", secret: "pw" }) }, fetch: fake });
    const sboms = await attachedSboms(reader, "v1");
    expect(sboms).toEqual([
      { platform: "linux/amd64", manifest: d("1"), spdx: { name: "amd64 doc" } },
      { platform: "linux/arm/v7", manifest: d("2"), spdx: { name: "arm doc" } },
    ]);
    // One challenge, then the kept authorization; the provenance layer is not fetched.
    expect(asked.filter((a) => a === "manifests/v1")).toHaveLength(2);
    expect(asked).not.toContain(`blobs/${d("5")}`);
    expect(await attachedSboms(reader, "missing")).toEqual([]);
  });
});
