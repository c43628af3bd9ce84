import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openSecrets, redactor, sealSecrets } from "../../../service/secrets.js";
import { readSettings } from "../../../service/settings.js";

describe("sealed secrets", () => {
  const key = randomBytes(32);
  it("round-trip under the key and the build's id; the sealed bytes do not hold the value", () => {
    const sealed = sealSecrets(key, { token: "s3cr3t-value" }, "build-1");
    expect(sealed.includes(Buffer.from("s3cr3t-value"))).toBe(false);
    expect(openSecrets(key, sealed, "build-1")).toEqual({ token: "s3cr3t-value" });
    expect(() => openSecrets(key, sealed, "build-2")).toThrow();
    expect(() => openSecrets(randomBytes(32), sealed, "build-1")).toThrow();
  });
  it("the redactor hides every value in text", () => {
    const r = redactor(["s3cr3t-value", "abc"]);
    expect(r("x s3cr3t-value y s3cr3t-value")).toBe("x **** y ****");
    // Values shorter than 4 characters would blank ordinary text; they are not sought.
    expect(r("abc")).toBe("abc");
  });
});

describe("settings", () => {
  const base = { DATABASE_URL: "postgres://u@h/db" };
  it("has defaults for everything but the database", () => {
    const s = readSettings(base);
    expect(s.maxUploadBytes).toBe(1 << 30);
    expect(s.maxAttempts).toBe(2);
    expect(s.role).toBe("all");
    expect(s.secretKey).toBeUndefined();
    expect(() => readSettings({})).toThrow(/DATABASE_URL is required/);
  });
  it("names the variable of a bad value", () => {
    expect(() => readSettings({ ...base, SERVICE_LEASE_SECONDS: "soon" })).toThrow(/SERVICE_LEASE_SECONDS="soon": not a whole number/);
    expect(() => readSettings({ ...base, SERVICE_ROLE: "boss" })).toThrow(/SERVICE_ROLE="boss": must be one of api, worker, all/);
    expect(() => readSettings({ ...base, SERVICE_SECRET_KEY: "short" })).toThrow(/SERVICE_SECRET_KEY: must be 32 bytes/);
    expect(() => readSettings({ ...base, SERVICE_BUILDKIT_HOSTS: "ftp://x" })).toThrow(/SERVICE_BUILDKIT_HOSTS/);
  });
  it("operator policy becomes frontend options", () => {
    const s = readSettings({ ...base, SERVICE_BASE_IMAGE_DENY: "docker.io/*", SERVICE_DEFAULT_INDEX_URL: "http://idx/simple" });
    expect(s.operatorOptions).toEqual({ "base-image-deny": "docker.io/*", "default-index-url": "http://idx/simple" });
  });
});
