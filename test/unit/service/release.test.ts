import { describe, expect, it } from "vitest";
import { decodeDefinition, decodeOp } from "../../../llb/src/decode.js";
import type { PbExecOp, PbSourceOp } from "../../../llb/src/wire.js";
import { EXIT_FILE, REPORT_FILE, scanArgv, scanDefinition, SHARED_DIR } from "../../../service/release/scan-llb.js";
import { parseExitCode, scanFailureReason, summarize } from "../../../service/release/scan-report.js";
import { plainHttp, registryOf, signerInvocation } from "../../../service/release/sign-argv.js";
import { checkSignerTools } from "../../../service/release/sign.js";
import { workerPlatform } from "../../../service/release/scan.js";
import { readReleaseSettings, releaseSecrets, type ScannerSettings } from "../../../service/release/settings.js";
import { readSettings } from "../../../service/settings.js";

const noFile = (p: string): string => {
  throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
};

describe("release settings", () => {
  const base = { DATABASE_URL: "postgres://u@h/db" };
  it("nothing configured: no scanner, no signers", () => {
    expect(readSettings(base).release).toEqual({ scanner: undefined, signers: [], insecureRegistries: [] });
  });
  it("a scanner: image, argv as a JSON array, env, secret env names, network none by default", () => {
    const r = readReleaseSettings(
      { SERVICE_SCANNER_IMAGE: "reg/scan:1", SERVICE_SCANNER_COMMAND: '["trivy","image","--input","/shared/image.tar"]', SERVICE_SCANNER_ENV: '{"A":"1"}', SERVICE_SCANNER_SECRET_ENV: "TOK", TOK: "t" },
      noFile,
    );
    expect(r.scanner).toEqual({ image: "reg/scan:1", command: ["trivy", "image", "--input", "/shared/image.tar"], env: { A: "1" }, secretEnv: { TOK: "t" }, network: "none" });
  });
  it("names the variable of a bad scanner setting", () => {
    const img = { SERVICE_SCANNER_IMAGE: "reg/scan:1" };
    expect(() => readReleaseSettings(img, noFile)).toThrow(/SERVICE_SCANNER_IMAGE needs SERVICE_SCANNER_COMMAND/);
    expect(() => readReleaseSettings({ ...img, SERVICE_SCANNER_COMMAND: "trivy image" }, noFile)).toThrow(/SERVICE_SCANNER_COMMAND: must be a JSON array of strings/);
    expect(() => readReleaseSettings({ ...img, SERVICE_SCANNER_COMMAND: "[]" }, noFile)).toThrow(/SERVICE_SCANNER_COMMAND: must be a non-empty JSON array/);
    expect(() => readReleaseSettings({ ...img, SERVICE_SCANNER_COMMAND: '["x"]', SERVICE_SCANNER_ENV: '{"A":1}' }, noFile)).toThrow(/SERVICE_SCANNER_ENV: the value of A must be a string/);
    expect(() => readReleaseSettings({ ...img, SERVICE_SCANNER_COMMAND: '["x"]', SERVICE_SCANNER_SECRET_ENV: "NOPE_UNSET" }, noFile)).toThrow(/SERVICE_SCANNER_SECRET_ENV names NOPE_UNSET, which is not set/);
    expect(() => readReleaseSettings({ ...img, SERVICE_SCANNER_COMMAND: '["x"]', SERVICE_SCANNER_NETWORK: "bridge" }, noFile)).toThrow(/SERVICE_SCANNER_NETWORK="bridge": must be one of none, sandbox, host/);
    expect(() => readReleaseSettings({ SERVICE_SCANNER_COMMAND: '["x"]' }, noFile)).toThrow(/SERVICE_SCANNER_COMMAND is set but SERVICE_SCANNER_IMAGE is not/);
    // Through readSettings, a SettingsError (the CLI exits 2 on those).
    expect(() => readSettings({ ...base, ...img })).toThrow(expect.objectContaining({ name: "SettingsError" }));
  });
  it("signers: cosign with a key file and a password file, or a KMS URI; notation with key files or a plugin", () => {
    const r = readReleaseSettings(
      { SERVICE_SIGNERS: "cosign,notation", SERVICE_COSIGN_KEY: "/keys/cosign.key", SERVICE_COSIGN_PASSWORD_FILE: "/keys/pw", SERVICE_NOTATION_KEY_FILE: "/k.key", SERVICE_NOTATION_CERT_FILE: "/k.crt" },
      (p) => (p === "/keys/pw" ? "hunter22\n" : noFile(p)),
    );
    expect(r.signers).toEqual([
      { kind: "cosign", path: "cosign", key: "/keys/cosign.key", password: "hunter22", tlog: false },
      { kind: "notation", path: "notation", key: { kind: "file", keyFile: "/k.key", certFile: "/k.crt" } },
    ]);
    const kms = readReleaseSettings({ SERVICE_SIGNERS: "cosign", SERVICE_COSIGN_KEY: "awskms:///alias/signing" }, noFile);
    expect(kms.signers[0]).toMatchObject({ key: "awskms:///alias/signing", password: undefined });
    const plugin = readReleaseSettings(
      { SERVICE_SIGNERS: "notation", SERVICE_NOTATION_PLUGIN: "com.amazonaws.signer.notation.plugin", SERVICE_NOTATION_KEY_ID: "arn:aws:signer:x", SERVICE_NOTATION_PLUGIN_CONFIG: "aws-region=us-east-1" },
      noFile,
    );
    expect(plugin.signers[0]).toEqual({ kind: "notation", path: "notation", key: { kind: "plugin", plugin: "com.amazonaws.signer.notation.plugin", keyId: "arn:aws:signer:x", pluginConfig: ["aws-region=us-east-1"] } });
  });
  it("its secret values, for the log's redactor", () => {
    const r = readReleaseSettings(
      { SERVICE_SCANNER_IMAGE: "s", SERVICE_SCANNER_COMMAND: '["x"]', SERVICE_SCANNER_SECRET_ENV: "TOK", TOK: "token-value", SERVICE_SIGNERS: "cosign", SERVICE_COSIGN_KEY: "/k", COSIGN_PASSWORD: "pw-value" },
      noFile,
    );
    expect(releaseSecrets(r)).toEqual(["token-value", "pw-value"]);
  });
  it("names the variable of a bad signer setting", () => {
    expect(() => readReleaseSettings({ SERVICE_SIGNERS: "gpg" }, noFile)).toThrow(/SERVICE_SIGNERS: "gpg" is not a signer \(cosign, notation\)/);
    expect(() => readReleaseSettings({ SERVICE_SIGNERS: "cosign" }, noFile)).toThrow(/SERVICE_COSIGN_KEY/);
    expect(() => readReleaseSettings({ SERVICE_SIGNERS: "cosign", SERVICE_COSIGN_KEY: "ftp://k" }, noFile)).toThrow(/SERVICE_COSIGN_KEY: ftp:\/\/ is not a KMS/);
    expect(() => readReleaseSettings({ SERVICE_SIGNERS: "cosign", SERVICE_COSIGN_KEY: "/k", SERVICE_COSIGN_PASSWORD_FILE: "/nope" }, noFile)).toThrow(/SERVICE_COSIGN_PASSWORD_FILE: cannot read it \(ENOENT\)/);
    expect(() => readReleaseSettings({ SERVICE_SIGNERS: "notation" }, noFile)).toThrow(/SERVICE_NOTATION_KEY_FILE with SERVICE_NOTATION_CERT_FILE nor SERVICE_NOTATION_PLUGIN/);
    expect(() => readReleaseSettings({ SERVICE_SIGNERS: "notation", SERVICE_NOTATION_PLUGIN: "p" }, noFile)).toThrow(/SERVICE_NOTATION_KEY_ID/);
    expect(() => readReleaseSettings({ SERVICE_SIGNERS: "notation", SERVICE_NOTATION_PLUGIN: "p", SERVICE_NOTATION_KEY_ID: "k", SERVICE_NOTATION_PLUGIN_CONFIG: "novalue" }, noFile)).toThrow(/SERVICE_NOTATION_PLUGIN_CONFIG: "novalue" is not key=value/);
  });
});

describe("the scan's LLB", () => {
  const scanner: ScannerSettings = { image: "127.0.0.1:5000/scan:1", command: ["scan", "--in", "/shared/image.tar; rm -rf /"], env: { MODE: "x" }, secretEnv: { TOKEN: "tok-value-1234" }, network: "none" };
  const def = decodeDefinition(scanDefinition(scanner, "session-1"));
  const ops = def.def.map((b) => decodeOp(b));
  const exec = ops.find((o) => "exec" in o) as unknown as { exec: PbExecOp };
  const sources = ops.filter((o) => "source" in o).map((o) => (o as unknown as { source: PbSourceOp }).source);

  it("runs the scanner's argv unchanged after a fixed wrapper (no shell parsing of the operator's words)", () => {
    expect(exec.exec.meta.args).toEqual(scanArgv(scanner.command));
    expect(exec.exec.meta.args.slice(3)).toEqual(["imagespec-scan", "scan", "--in", "/shared/image.tar; rm -rf /"]);
    expect(exec.exec.meta.args[2]).toBe(`"$@"; echo $? > /shared/${EXIT_FILE}`);
    expect(exec.exec.meta.cwd).toBe("/shared");
  });
  it("no network, the image mounted at /shared from the session, the token as secret env (its value is not in the definition)", () => {
    expect(exec.exec.network).toBe(2); // pb.NetMode.NONE
    expect(exec.exec.mounts.map((m) => m.dest)).toEqual(["/", "/shared"]);
    expect(exec.exec.secretEnv).toEqual([{ id: "scanner-env-TOKEN", name: "TOKEN" }]);
    expect(Buffer.from(scanDefinition(scanner, "s")).includes(Buffer.from("tok-value-1234"))).toBe(false);
    expect(exec.exec.meta.env).toContain("MODE=x");
    expect(sources.map((s) => s.identifier)).toEqual(expect.arrayContaining([`local://${SHARED_DIR}`, "docker-image://127.0.0.1:5000/scan:1"]));
    expect(sources.find((s) => s.identifier.startsWith("local://"))!.attrs).toMatchObject({ "local.session": "session-1", "local.followpaths": '["image.tar"]' });
  });
  it("is never answered from the cache (vulnerability databases change)", () => {
    const execDigest = def.def.findIndex((b) => "exec" in decodeOp(b));
    const meta = Object.values(def.metadata).filter((m) => m.ignoreCache);
    expect(execDigest).toBeGreaterThanOrEqual(0);
    expect(meta.length).toBeGreaterThan(0);
  });
  it("runs as the BuildKit worker's platform (not emulated)", () => {
    const d = decodeDefinition(scanDefinition(scanner, "s", { os: "linux", architecture: "arm64" }));
    const e = d.def.map((b) => decodeOp(b)).find((o) => "exec" in o)!;
    expect(e.platform).toMatchObject({ os: "linux", architecture: "arm64" });
    expect(workerPlatform({ workers: [{ platforms: [{ OS: "linux", Architecture: "arm64", Variant: "v8" }] }] })).toEqual({ os: "linux", architecture: "arm64" });
    expect(workerPlatform({ workers: [{}] })).toBeUndefined();
  });
  it("host network when the operator asks", () => {
    const d = decodeDefinition(scanDefinition({ ...scanner, network: "host" }, "s"));
    const e = d.def.map((b) => decodeOp(b)).find((o) => "exec" in o) as unknown as { exec: PbExecOp };
    expect(e.exec.network).toBe(1);
  });
});

describe("scan reports", () => {
  it("counts findings by severity, most severe first (trivy's and snyk's shapes)", () => {
    const trivy = { Results: [{ Vulnerabilities: [{ Severity: "HIGH" }, { Severity: "CRITICAL" }, { Severity: "HIGH" }] }, { Vulnerabilities: [{ Severity: "LOW" }] }] };
    expect(summarize(Buffer.from(JSON.stringify(trivy)))).toBe("4 findings: 1 CRITICAL, 2 HIGH, 1 LOW");
    const snyk = { vulnerabilities: [{ severity: "medium", id: "SNYK-1" }], summary: "1 vulnerable dependency path" };
    expect(summarize(Buffer.from(JSON.stringify(snyk)))).toBe("1 finding: 1 MEDIUM");
  });
  it("else the report's own summary, else what it is", () => {
    expect(summarize(Buffer.from(JSON.stringify({ summary: "policy   violated:\n base image too old" })))).toBe("policy violated: base image too old");
    expect(summarize(Buffer.from("{}"))).toBe("no findings with a severity in the report (2 bytes)");
    expect(summarize(Buffer.from("not json"))).toBe("the scanner's report is not JSON (8 bytes)");
    expect(summarize(undefined)).toBe(`the scanner wrote no /shared/${REPORT_FILE}`);
  });
  it("exit codes and the failure's reason", () => {
    expect(parseExitCode("0\n")).toBe(0);
    expect(parseExitCode("127\n")).toBe(127);
    expect(parseExitCode("")).toBeUndefined();
    expect(parseExitCode(undefined)).toBeUndefined();
    expect(scanFailureReason({ exitCode: 1, report: undefined, summary: "2 findings: 2 HIGH" })).toBe("scan failed: the scanner exited with 1; 2 findings: 2 HIGH; nothing was pushed (GET …/scan-report for the report)");
  });
});

describe("signer invocations", () => {
  const digestRef = "127.0.0.1:5000/app@sha256:" + "a".repeat(64);
  it("cosign: the key, no transparency log by default, plain HTTP for a loopback registry; the password only in the env", () => {
    const inv = signerInvocation({ kind: "cosign", path: "/usr/bin/cosign", key: "/keys/cosign.key", password: "hunter22", tlog: false }, digestRef, [], "/work");
    expect(inv.file).toBe("/usr/bin/cosign");
    expect(inv.argv).toEqual(["sign", "--key", "/keys/cosign.key", "--yes", "--tlog-upload=false", "--use-signing-config=false", "--allow-http-registry", "--allow-insecure-registry", digestRef]);
    expect(inv.argv.join(" ")).not.toContain("hunter22");
    expect(inv.env).toEqual({ COSIGN_PASSWORD: "hunter22" });
    expect(inv.secrets).toEqual(["hunter22"]);
  });
  it("cosign with a KMS URI and the transparency log, on an HTTPS registry", () => {
    const inv = signerInvocation({ kind: "cosign", path: "cosign", key: "gcpkms://projects/p/keys/k", password: undefined, tlog: true }, "reg.example.com/app@sha256:b", [], "/w");
    expect(inv.argv).toEqual(["sign", "--key", "gcpkms://projects/p/keys/k", "--yes", "--tlog-upload=true", "reg.example.com/app@sha256:b"]);
  });
  it("notation with key files: a private configuration naming them", () => {
    const inv = signerInvocation({ kind: "notation", path: "notation", key: { kind: "file", keyFile: "/k.key", certFile: "/k.crt" } }, "reg.internal:5000/app@sha256:c", ["reg.internal:5000"], "/w");
    expect(inv.argv).toEqual(["sign", "--key", "imagespec-serve", "--insecure-registry", "reg.internal:5000/app@sha256:c"]);
    expect(inv.env).toEqual({ XDG_CONFIG_HOME: "/w/notation-config" });
    expect(JSON.parse(inv.files["/w/notation-config/notation/signingkeys.json"]!)).toEqual({ default: "imagespec-serve", keys: [{ name: "imagespec-serve", keyPath: "/k.key", certPath: "/k.crt" }] });
  });
  it("notation with a plugin (AWS Signer): plugin, key id and its config", () => {
    const inv = signerInvocation({ kind: "notation", path: "notation", key: { kind: "plugin", plugin: "com.amazonaws.signer.notation.plugin", keyId: "arn:aws:signer:p", pluginConfig: ["aws-region=eu-west-1"] } }, "1.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:d", [], "/w");
    expect(inv.argv).toEqual(["sign", "--plugin", "com.amazonaws.signer.notation.plugin", "--id", "arn:aws:signer:p", "--plugin-config", "aws-region=eu-west-1", "1.dkr.ecr.eu-west-1.amazonaws.com/app@sha256:d"]);
    expect(inv.files).toEqual({});
  });
  it("a signer whose program is missing is named at start-up", async () => {
    await expect(checkSignerTools({ signers: [{ kind: "notation", path: "/nonexistent/notation", key: { kind: "file", keyFile: "k", certFile: "c" } }] })).rejects.toThrow(
      "SERVICE_SIGNERS names notation, but /nonexistent/notation is not installed; set SERVICE_NOTATION_PATH",
    );
    await expect(checkSignerTools({ signers: [{ kind: "cosign", path: "true", key: "/k", password: undefined, tlog: false }] })).resolves.toBeUndefined();
  });
  it("registry hosts and plain HTTP", () => {
    expect(registryOf("library/app@sha256:x")).toBe("docker.io");
    expect(registryOf("localhost/app@sha256:x")).toBe("localhost");
    expect(plainHttp("localhost:5000/app@sha256:x", [])).toBe(true);
    expect(plainHttp("reg.example.com/app@sha256:x", [])).toBe(false);
    expect(plainHttp("reg.example.com/app@sha256:x", ["reg.example.com"])).toBe(true);
  });
});

describe("S3 settings", () => {
  const base = { DATABASE_URL: "postgres://u@h/db" };
  it("off by default; a bucket turns it on, with a prefix ending in / and the region", () => {
    expect(readSettings(base).s3).toBeUndefined();
    expect(readSettings({ ...base, SERVICE_S3_BUCKET: "logs" }).s3).toEqual({ bucket: "logs", prefix: "imagespec-serve/", endpoint: undefined, region: "us-east-1" });
    expect(readSettings({ ...base, SERVICE_S3_BUCKET: "logs", SERVICE_S3_PREFIX: "/ibs", SERVICE_S3_ENDPOINT: "http://minio:9000", AWS_REGION: "eu-west-1" }).s3).toEqual({
      bucket: "logs",
      prefix: "ibs/",
      endpoint: "http://minio:9000",
      region: "eu-west-1",
    });
  });
  it("names the variable of a bad value", () => {
    expect(() => readSettings({ ...base, SERVICE_S3_BUCKET: "Bad_Bucket" })).toThrow(/SERVICE_S3_BUCKET="Bad_Bucket": not a bucket name/);
    expect(() => readSettings({ ...base, SERVICE_S3_BUCKET: "logs", SERVICE_S3_ENDPOINT: "minio:9000" })).toThrow(/SERVICE_S3_ENDPOINT="minio:9000": must be an http\(s\) URL/);
    expect(() => readSettings({ ...base, SERVICE_S3_ENDPOINT: "http://minio:9000" })).toThrow(/SERVICE_S3_ENDPOINT is set but SERVICE_S3_BUCKET is not/);
  });
});
