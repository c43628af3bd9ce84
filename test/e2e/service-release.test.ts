/**
 * Scanning before the push and signing after it, end to end: a scanner image this test builds
 * (a Python script on the registry's Debian base) runs on the engine's BuildKit with the built
 * image at /shared/image.tar; cosign and notation (Debian's, from engine.sh) sign the pushed
 * digest with keys the test makes, and the test verifies the signatures against the registry.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseImage, buildx, engineEnv, makeContext, registry } from "./harness.js";
import { readSettings } from "../../service/settings.js";
import { databaseUrl } from "./service-env.js";
import { api, ended, startService, type TestService } from "./service-support.js";

const token = `${process.pid}-${Date.now()}`;
const COSIGN_PASSWORD = `cosign-pw-${token}-secret`;
const SCAN_TOKEN = `scan-token-${token}-secret`;
const MARKER = "svc-e2e-vulnerable-marker";
const SLOW_MARKER = "svc-e2e-slow-marker";

const SCANNER = `
import hashlib, io, json, os, socket, sys, tarfile
found = []
slow = False
layers = 0
# Every member that is itself a tar (gzipped or not) is a layer: OCI blobs/ or docker-save's layer.tar.
with tarfile.open("/shared/image.tar") as outer:
    for m in outer.getmembers():
        if not m.isfile():
            continue
        try:
            with tarfile.open(fileobj=outer.extractfile(m), mode="r|*") as layer:
                layers += 1
                for entry in layer:
                    if entry.name.rstrip("/").endswith(sys.argv[1]):
                        found.append(entry.name.lstrip("./"))
                    if entry.name.rstrip("/").endswith(sys.argv[2]):
                        slow = True
        except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError):
            pass
if slow:
    import time
    print("slow scan", flush=True)
    time.sleep(600)
s = socket.socket()
s.settimeout(3)
try:
    s.connect(("127.0.0.1", 5000))
    network = "reachable"
except OSError:
    network = "unreachable"
tok = os.environ.get("SCAN_TOKEN", "")
report = {
    "scanner": "svc-e2e",
    "mode": os.environ.get("SCAN_MODE"),
    "network": network,
    "token_sha256": hashlib.sha256(tok.encode()).hexdigest(),
    "layers": layers,
    "members": [m.name for m in tarfile.open("/shared/image.tar").getmembers()][:50],
    "vulnerabilities": [{"id": "E2E-0001", "severity": "critical", "path": p} for p in found],
}
with open("/shared/scan-report.json", "w") as f:
    json.dump(report, f)
print("scanned: %d finding(s)" % len(found))
print("token=" + tok)
sys.exit(1 if found else 0)
`;

/**
 * A Notary Project signing plugin (the role AWS Signer's plays): answers notation's plugin
 * protocol and signs with a key and certificate named in its plugin config.
 */
const PLUGIN = `#!/usr/bin/env python3
import base64, json, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

def answer(obj):
    json.dump(obj, sys.stdout)
    sys.exit(0)

cmd = sys.argv[1] if len(sys.argv) > 1 else ""
if cmd == "get-plugin-metadata":
    answer({"name": "svc-e2e-signer", "description": "e2e test signer", "version": "1.0.0", "url": "https://example.invalid",
            "supportedContractVersions": ["1.0"], "capabilities": ["SIGNATURE_GENERATOR.RAW"]})
req = json.load(sys.stdin)
cfg = req.get("pluginConfig") or {}
if cmd == "describe-key":
    answer({"keyId": req["keyId"], "keySpec": "RSA-2048"})
if cmd == "generate-signature":
    with open(cfg["key"], "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    with open(cfg["cert"], "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    sig = key.sign(base64.b64decode(req["payload"]), padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
    answer({"keyId": req["keyId"], "signature": base64.b64encode(sig).decode(), "signingAlgorithm": "RSASSA-PSS-SHA-256",
            "certificateChain": [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]})
json.dump({"errorCode": "VALIDATION_ERROR", "errorMessage": "unknown command " + cmd}, sys.stderr)
sys.exit(1)
`;

let svc: TestService;
let keys: string;
let scanner: string;
let tools: { cosign: string; notation: string };

function sh(file: string, args: string[], o: { cwd?: string; env?: Record<string, string> } = {}): string {
  return execFileSync(file, args, { cwd: o.cwd, env: { ...engineEnv(), ...o.env }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function tryRun(file: string, args: string[], env: Record<string, string> = {}): { code: number; out: string } {
  try {
    return { code: 0, out: sh(file, args, { env }) };
  } catch (e) {
    const x = e as { status?: number; stdout?: string; stderr?: string };
    return { code: x.status ?? -1, out: `${x.stdout ?? ""}${x.stderr ?? ""}` };
  }
}

async function manifestStatus(repo: string, tag: string): Promise<number> {
  const res = await fetch(`http://${registry()}/v2/${repo}/manifests/${tag}`, {
    method: "HEAD",
    headers: { Accept: "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json" },
  });
  return res.status;
}

/** Makes the signing keys: a cosign key pair (encrypted) and a notation test certificate with its trust policy. */
function makeKeys(dir: string): void {
  sh(tools.cosign, ["generate-key-pair"], { cwd: dir, env: { COSIGN_PASSWORD } });
  const verifyConfig = join(dir, "notation-verify");
  sh(tools.notation, ["cert", "generate-test", "svc-e2e"], { env: { XDG_CONFIG_HOME: verifyConfig } });
  writeFileSync(
    join(verifyConfig, "notation", "trustpolicy.json"),
    JSON.stringify({ version: "1.0", trustPolicies: [{ name: "svc-e2e", registryScopes: ["*"], signatureVerification: { level: "strict" }, trustStores: ["ca:svc-e2e"], trustedIdentities: ["*"] }] }),
  );
}

const spec = (cmds: string[]) => JSON.stringify({ base_image: baseImage(), layers: [{ commands: { cmd: cmds } }] });

function serviceEnv(over: Record<string, string> = {}): Record<string, string> {
  const localkeys = join(keys, "notation-verify", "notation", "localkeys");
  return {
    SERVICE_SCANNER_IMAGE: scanner,
    SERVICE_SCANNER_COMMAND: JSON.stringify(["python3", "/opt/scan.py", MARKER, SLOW_MARKER]),
    SERVICE_SCANNER_ENV: JSON.stringify({ SCAN_MODE: "strict" }),
    SERVICE_SCANNER_SECRET_ENV: "SCAN_TOKEN",
    SCAN_TOKEN,
    SERVICE_SIGNERS: "cosign,notation",
    SERVICE_COSIGN_PATH: tools.cosign,
    SERVICE_COSIGN_KEY: join(keys, "cosign.key"),
    SERVICE_COSIGN_PASSWORD_FILE: join(keys, "cosign.password"),
    SERVICE_NOTATION_PATH: tools.notation,
    SERVICE_NOTATION_KEY_FILE: join(localkeys, "svc-e2e.key"),
    SERVICE_NOTATION_CERT_FILE: join(localkeys, "svc-e2e.crt"),
    ...over,
  };
}

beforeAll(async () => {
  const env = engineEnv();
  tools = { cosign: env.IMAGESPEC_COSIGN!, notation: env.IMAGESPEC_NOTATION! };
  keys = mkdtempSync(join(tmpdir(), "svc-keys-"));
  makeKeys(keys);
  writeFileSync(join(keys, "cosign.password"), COSIGN_PASSWORD + "\n", { mode: 0o600 });
  // The scanner image: the registry's Debian base (it has python3 and /bin/sh) and the script.
  scanner = `${registry()}/svc-release/scanner:${token}`;
  const ctx = makeContext({ "scan.py": SCANNER, Dockerfile: `FROM ${baseImage("3.11-bookworm-amd64")}\nCOPY scan.py /opt/scan.py\n` });
  const built = await buildx(ctx, { file: "Dockerfile", tag: scanner, push: true, syntaxArg: false });
  if (built.code !== 0) throw new Error(`building the scanner image failed:\n${built.stderr}`);
  svc = await startService({ databaseUrl: databaseUrl(), engineEnv: env as Record<string, string>, frontendImage: (await import("./harness.js")).frontendImage(), tenants: ["alpha"], env: serviceEnv() });
}, 600_000);
afterAll(async () => svc?.close());

async function followLog(s: TestService, id: string): Promise<string> {
  const res = await fetch(`${s.url}/v1/builds/${id}/logs?follow=true`, { headers: { authorization: `Bearer ${s.tokens.alpha}` } });
  return res.text();
}

async function scanReport(s: TestService, id: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.url}/v1/builds/${id}/scan-report`, { headers: { authorization: `Bearer ${s.tokens.alpha}` } });
  return { status: res.status, body: await res.json() };
}

/** The states a build is seen in, polled until it ends. */
async function statesOf(s: TestService, id: string): Promise<string[]> {
  const a = api(s, "alpha");
  const seen: string[] = [];
  for (;;) {
    const b = await a.get(`/v1/builds/${id}`);
    if (seen[seen.length - 1] !== b.state) seen.push(b.state);
    if (ended(b)) return seen;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("build service: scanning before the push, signing after it", () => {
  it("a clean image is scanned on BuildKit (no network, secret env), pushed, then signed by cosign and notation; both verify", async () => {
    const a = api(svc, "alpha");
    const target = `${registry()}/svc-release/clean:${token}`;
    const sub = await a.submit({ spec: spec([`echo clean-${token} > /clean.txt`]), specFilename: "spec.json", target });
    expect(sub.status).toBe(202);
    const [states, log] = await Promise.all([statesOf(svc, sub.body.id), followLog(svc, sub.body.id)]);
    const b = await a.get(`/v1/builds/${sub.body.id}`);
    expect(b.state, `${b.reason}\n${log}`).toBe("succeeded");
    // Whatever the polling caught, it is in this order.
    const order = ["queued", "running", "scanning", "pushing", "signing", "succeeded"];
    expect(states.every((x) => order.includes(x))).toBe(true);
    expect(states.map((x) => order.indexOf(x))).toEqual([...states.map((x) => order.indexOf(x))].sort((p, q) => p - q));
    // The log tells the phases in order.
    const at = (s: string) => log.indexOf(s);
    expect(at("scan: exit 0")).toBeGreaterThan(-1);
    expect(at("pushed ")).toBeGreaterThan(at("scan: exit 0"));
    expect(at("signed ")).toBeGreaterThan(at("pushed "));
    expect(log).toContain("scanned: 0 finding(s)");
    // The scanner printed its token; the log has it blanked.
    expect(log).toContain("token=****");

    const digest = b.result.split("@")[1];
    expect(b.result).toBe(`${target}@${digest}`);
    const report = await scanReport(svc, sub.body.id);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ scanner: "svc-e2e", mode: "strict", network: "unreachable", vulnerabilities: [] });
    // It looked into the image's layers (the base's and the step's).
    expect(report.body.layers, JSON.stringify(report.body.members)).toBeGreaterThanOrEqual(2);
    expect(report.body.token_sha256).toBe((await import("node:crypto")).createHash("sha256").update(SCAN_TOKEN).digest("hex"));

    const ref = `${registry()}/svc-release/clean@${digest}`;
    const cosign = tryRun(tools.cosign, ["verify", "--key", join(keys, "cosign.pub"), "--insecure-ignore-tlog=true", "--allow-http-registry", "--allow-insecure-registry", ref]);
    expect(cosign.code, cosign.out).toBe(0);
    expect(cosign.out).toContain(digest);
    const notation = tryRun(tools.notation, ["verify", "--insecure-registry", ref], { XDG_CONFIG_HOME: join(keys, "notation-verify") });
    expect(notation.code, notation.out).toBe(0);
    expect(notation.out).toContain("Successfully verified");
  });

  it("an image the scanner rejects fails with the report's summary; nothing is pushed; the report is served", async () => {
    const a = api(svc, "alpha");
    const tag = `bad-${token}`;
    const sub = await a.submit({ spec: spec([`mkdir -p /opt/app && echo x > /opt/app/${MARKER}`]), specFilename: "spec.json", target: `${registry()}/svc-release/rejected:${tag}` });
    const log = await followLog(svc, sub.body.id);
    const b = await a.get(`/v1/builds/${sub.body.id}`);
    expect(b.state).toBe("failed");
    expect(b.reason).toBe("scan failed: the scanner exited with 1; 1 finding: 1 CRITICAL; nothing was pushed (GET …/scan-report for the report)");
    expect(b.result).toBeNull();
    expect(log).toContain("scanned: 1 finding(s)");
    expect(log).not.toMatch(/^pushed /m);
    expect(await manifestStatus("svc-release/rejected", tag)).toBe(404);
    const report = await scanReport(svc, sub.body.id);
    expect(report.status).toBe(200);
    expect(report.body.vulnerabilities).toEqual([{ id: "E2E-0001", severity: "critical", path: `opt/app/${MARKER}` }]);
  });

  it("an image that changes between the scan and the push (no-cache, a time stamp) never gets its tag", async () => {
    const a = api(svc, "alpha");
    const tag = `unstable-${token}`;
    const sub = await a.submit({ spec: spec(["date +%s%N > /stamp"]), specFilename: "spec.json", target: `${registry()}/svc-release/unstable:${tag}`, frontendOptions: { "no-cache": "" } });
    const log = await followLog(svc, sub.body.id);
    const b = await a.get(`/v1/builds/${sub.body.id}`);
    expect(b.state, log).toBe("failed");
    expect(b.reason).toMatch(/^the image built for the push \(sha256:[0-9a-f]{64}\) is not the scanned one \(sha256:[0-9a-f]{64}\): a step of the build is not reproducible; the tag was not pushed$/);
    expect(b.result).toBeNull();
    expect(log).toContain("scan: exit 0");
    expect(await manifestStatus("svc-release/unstable", tag)).toBe(404);
  });

  it("a build cancelled while it is scanning stops the scan; nothing is pushed", async () => {
    const a = api(svc, "alpha");
    const tag = `slow-${token}`;
    const sub = await a.submit({ spec: spec([`echo x > /${SLOW_MARKER}`]), specFilename: "spec.json", target: `${registry()}/svc-release/slow:${tag}` });
    await a.waitFor(sub.body.id, (b) => b.state === "scanning" || ended(b));
    // The scanner has started (its first line is in the log) before the cancel.
    for (;;) {
      const text = await (await fetch(`${svc.url}/v1/builds/${sub.body.id}/logs`, { headers: { authorization: `Bearer ${svc.tokens.alpha}` } })).text();
      if (text.includes("slow scan")) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await a.post(`/v1/builds/${sub.body.id}/cancel`);
    const b = await a.waitFor(sub.body.id, ended);
    expect(b.state).toBe("cancelled");
    expect(b.reason).toBe("cancelled while running; the BuildKit solve was stopped");
    expect(b.result).toBeNull();
    expect(await manifestStatus("svc-release/slow", tag)).toBe(404);
    expect((await scanReport(svc, sub.body.id)).status).toBe(404);
  });

  it("a signing failure fails the build; the image stays pushed, unsigned, and the build says so", async () => {
    // A password file that is not there is a settings error, named.
    expect(() => readSettings({ ...process.env, DATABASE_URL: "postgres://unused", ...serviceEnv({ SERVICE_COSIGN_PASSWORD_FILE: join(keys, "missing.password") }) })).toThrow(
      /^SERVICE_COSIGN_PASSWORD_FILE: cannot read it \(ENOENT\)$/,
    );

    writeFileSync(join(keys, "wrong.password"), `not-${COSIGN_PASSWORD}`);
    const svc2 = await startService({
      databaseUrl: databaseUrl(),
      engineEnv: engineEnv() as Record<string, string>,
      frontendImage: (await import("./harness.js")).frontendImage(),
      tenants: ["alpha"],
      env: serviceEnv({ SERVICE_SCANNER_IMAGE: "", SERVICE_SCANNER_COMMAND: "", SERVICE_SCANNER_SECRET_ENV: "", SERVICE_SIGNERS: "cosign", SERVICE_COSIGN_PASSWORD_FILE: join(keys, "wrong.password") }),
    });
    try {
      const a = api(svc2, "alpha");
      const tag = `unsigned-${token}`;
      const target = `${registry()}/svc-release/unsigned:${tag}`;
      const sub = await a.submit({ spec: spec([`echo unsigned-${token}`]), specFilename: "spec.json", target });
      const log = await followLog(svc2, sub.body.id);
      const b = await a.get(`/v1/builds/${sub.body.id}`);
      expect(b.state).toBe("failed");
      const digest = b.result?.split("@")[1];
      expect(b.result).toBe(`${target}@${digest}`);
      expect(b.reason).toMatch(new RegExp(`^signing failed: cosign: exit 1: .+; the image ${target.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}@sha256:[0-9a-f]{64} was pushed and stays, unsigned$`));
      expect(log).toContain("cosign: ");
      expect(await manifestStatus("svc-release/unsigned", tag)).toBe(200);
      const verify = tryRun(tools.cosign, ["verify", "--key", join(keys, "cosign.pub"), "--insecure-ignore-tlog=true", "--allow-http-registry", "--allow-insecure-registry", `${registry()}/svc-release/unsigned@${digest}`]);
      expect(verify.code).not.toBe(0);
      // No scanner configured: no report.
      expect((await scanReport(svc2, sub.body.id)).status).toBe(404);
      await secretsNowhere(svc2, [`not-${COSIGN_PASSWORD}`]);
    } finally {
      await svc2.close();
    }
  });

  it("notation with a signing plugin (as with AWS Signer): the plugin signs the pushed digest; it verifies", async () => {
    const pluginHome = join(keys, "plugin-home");
    const dir = join(pluginHome, "notation", "plugins", "svc-e2e-signer");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "notation-svc-e2e-signer"), PLUGIN, { mode: 0o755 });
    const localkeys = join(keys, "notation-verify", "notation", "localkeys");
    const svc3 = await startService({
      databaseUrl: databaseUrl(),
      engineEnv: engineEnv() as Record<string, string>,
      frontendImage: (await import("./harness.js")).frontendImage(),
      tenants: ["alpha"],
      env: serviceEnv({
        SERVICE_SCANNER_IMAGE: "",
        SERVICE_SCANNER_COMMAND: "",
        SERVICE_SCANNER_SECRET_ENV: "",
        SERVICE_SIGNERS: "notation",
        SERVICE_NOTATION_KEY_FILE: "",
        SERVICE_NOTATION_CERT_FILE: "",
        SERVICE_NOTATION_PLUGIN: "svc-e2e-signer",
        SERVICE_NOTATION_KEY_ID: "arn:test:signer:profile/e2e",
        SERVICE_NOTATION_PLUGIN_CONFIG: `key=${join(localkeys, "svc-e2e.key")},cert=${join(localkeys, "svc-e2e.crt")}`,
        // Where notation finds its plugins: the operator's notation configuration.
        XDG_CONFIG_HOME: pluginHome,
      }),
    });
    try {
      const a = api(svc3, "alpha");
      const target = `${registry()}/svc-release/plugin:${token}`;
      const sub = await a.submit({ spec: spec([`echo plugin-${token}`]), specFilename: "spec.json", target });
      const log = await followLog(svc3, sub.body.id);
      const b = await a.get(`/v1/builds/${sub.body.id}`);
      expect(b.state, `${b.reason}\n${log}`).toBe("succeeded");
      expect(log).toMatch(/^signed .+ with notation/m);
      const digest = b.result.split("@")[1];
      const notation = tryRun(tools.notation, ["verify", "--insecure-registry", `${registry()}/svc-release/plugin@${digest}`], { XDG_CONFIG_HOME: join(keys, "notation-verify") });
      expect(notation.code, notation.out).toBe(0);
      expect(notation.out).toContain("Successfully verified");
    } finally {
      await svc3.close();
    }
  });

  it("the cosign password, the scanner's token and the notation key appear in no log, row, report or answer", async () => {
    const notationKey = readFileSync(join(keys, "notation-verify", "notation", "localkeys", "svc-e2e.key"), "utf8").split("\n")[1]!;
    expect(notationKey.length).toBeGreaterThan(32);
    await secretsNowhere(svc, [COSIGN_PASSWORD, SCAN_TOKEN, notationKey]);
  });
});

async function secretsNowhere(s: TestService, secrets: string[]): Promise<void> {
  const rows = await s.db.pool.query("SELECT b::text AS row FROM builds b");
  const answers = JSON.stringify(await api(s, "alpha").get("/v1/builds"));
  const files: string[] = [];
  for (const d of ["logs", "reports"]) {
    mkdirSync(join(s.store.root, d), { recursive: true });
    for (const f of readdirSync(join(s.store.root, d))) files.push(readFileSync(join(s.store.root, d, f), "utf8"));
  }
  expect(files.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    for (const r of rows.rows) expect(r.row).not.toContain(secret);
    for (const f of files) expect(f).not.toContain(secret);
    expect(answers).not.toContain(secret);
  }
}
