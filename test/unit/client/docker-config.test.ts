import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { credentialsFor, lookupHost, readDockerConfig, type DockerConfig } from "../../../client/src/auth/docker-config.js";
import { runCredentialHelper } from "../../../client/src/auth/cred-helper.js";
import { dockerConfigAuth } from "../../../client/src/auth/provider.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const noHelper = async () => {
  throw new Error("no helper expected");
};

describe("lookupHost", () => {
  const map = { "reg.example.com": 1, "https://other.example.com/v1/": 2, "*.example.com": 3, "*.eu.example.com": 4, "*.example.com:5000": 5, "https://index.docker.io/v1/": 6 };

  it("prefers the exact key, then the host part of a URL key", () => {
    expect(lookupHost(map, "reg.example.com")).toBe(1);
    expect(lookupHost(map, "other.example.com")).toBe(2);
  });

  it("expands wildcards to the host asked for, the longest one first, ports kept apart", () => {
    expect(lookupHost(map, "a.example.com")).toBe(3);
    expect(lookupHost(map, "a.b.example.com")).toBe(3);
    expect(lookupHost(map, "x.eu.example.com")).toBe(4);
    expect(lookupHost(map, "a.example.com:5000")).toBe(5);
    expect(lookupHost(map, "example.com")).toBeUndefined();
    expect(lookupHost(map, "evilexample.com")).toBeUndefined();
    expect(lookupHost(map, "a.example.com:443")).toBeUndefined();
  });

  it("maps every name of Docker Hub to its v1 key", () => {
    for (const h of ["registry-1.docker.io", "docker.io", "index.docker.io"]) expect(lookupHost(map, h)).toBe(6);
  });
});

describe("credentialsFor", () => {
  it("decodes auths entries: auth, username/password, identity tokens", async () => {
    const config: DockerConfig = { auths: { "r1:5000": { auth: b64("alice:pa:ss") }, r2: { username: "bob", password: "pw" }, r3: { identitytoken: "tok" } } };
    expect(await credentialsFor("r1:5000", config, noHelper, {})).toEqual({ username: "alice", secret: "pa:ss" });
    expect(await credentialsFor("r2", config, noHelper, {})).toEqual({ username: "bob", secret: "pw" });
    expect(await credentialsFor("r3", config, noHelper, {})).toEqual({ username: "", secret: "tok" });
    expect(await credentialsFor("r4", config, noHelper, {})).toBeUndefined();
  });

  it("asks credHelpers first, then credsStore, with the host (not the wildcard) as the server", async () => {
    const asked: string[] = [];
    const run = async (helper: string, server: string) => {
      asked.push(`${helper} ${server}`);
      return { username: helper, secret: server };
    };
    const config: DockerConfig = { credHelpers: { "*.corp.example": "corp" }, credsStore: "desktop", auths: { "x.corp.example": { auth: b64("no:no") } } };
    expect(await credentialsFor("x.corp.example", config, run, {})).toEqual({ username: "corp", secret: "x.corp.example" });
    expect(await credentialsFor("docker.io", config, run, {})).toEqual({ username: "desktop", secret: "https://index.docker.io/v1/" });
    expect(asked).toEqual(["corp x.corp.example", "desktop https://index.docker.io/v1/"]);
  });

  it("reads DOCKER_AUTH_CONFIG before the config's stores", async () => {
    const env = { DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { "r:5000": { auth: b64("env:pw") } } }) };
    expect(await credentialsFor("r:5000", { credsStore: "never" }, noHelper, env)).toEqual({ username: "env", secret: "pw" });
  });

  it("refuses an auth that is not user:password", async () => {
    await expect(credentialsFor("r", { auths: { r: { auth: b64("nocolon") } } }, noHelper, {})).rejects.toThrow(/not base64 of user:password/);
  });
});

describe("readDockerConfig and the provider", () => {
  it("reads $DOCKER_CONFIG/config.json, an absent file being empty, and caches answers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dcfg-"));
    expect(readDockerConfig({ DOCKER_CONFIG: dir })).toEqual({});
    writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { "r:1": { auth: b64("u:p") } } }));
    let t = 0;
    const auth = dockerConfigAuth({ DOCKER_CONFIG: dir }, noHelper, () => t);
    expect(await auth.credentials("r:1")).toEqual({ username: "u", secret: "p" });
    writeFileSync(join(dir, "config.json"), "{}");
    expect(await auth.credentials("r:1")).toEqual({ username: "u", secret: "p" });
    t = 300_000;
    expect(await auth.credentials("r:1")).toBeUndefined();
    writeFileSync(join(dir, "config.json"), "{");
    expect(() => readDockerConfig({ DOCKER_CONFIG: dir })).toThrow(/not valid JSON/);
  });
});

describe("runCredentialHelper", () => {
  const bin = mkdtempSync(join(tmpdir(), "helpers-"));
  const helper = (name: string, script: string) => {
    const p = join(bin, `docker-credential-${name}`);
    writeFileSync(p, `#!/bin/sh\n${script}\n`);
    chmodSync(p, 0o755);
  };
  helper("echo", `[ "$1" = get ] || exit 9; read -r host || true; printf '{"ServerURL":"%s","Username":"u-%s","Secret":"s3cret"}' "$host" "$host"`);
  helper("token", `printf '{"Username":"<token>","Secret":"idtok"}'`);
  helper("none", `echo "credentials not found in native keychain"; exit 1`);
  helper("broken", `echo "boom" >&2; exit 3`);
  const env = { PATH: `${bin}:${process.env.PATH}` };

  it("writes the server to stdin without a newline and reads the JSON answer", async () => {
    expect(await runCredentialHelper("echo", "r.example:5000", env)).toEqual({ username: "u-r.example:5000", secret: "s3cret" });
  });

  it("turns <token> into an identity token, 'not found' into no credentials", async () => {
    expect(await runCredentialHelper("token", "r", env)).toEqual({ username: "", secret: "idtok" });
    expect(await runCredentialHelper("none", "r", env)).toBeUndefined();
  });

  it("fails clearly on a failing or missing helper", async () => {
    await expect(runCredentialHelper("broken", "r", env)).rejects.toThrow(/docker-credential-broken get r: boom/);
    await expect(runCredentialHelper("absent", "r", env)).rejects.toThrow(/not found on PATH/);
  });
});
