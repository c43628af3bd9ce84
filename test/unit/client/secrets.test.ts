import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseSecretFlag } from "../../../client/cli/secret-flag.js";
import { MAX_SECRET_BYTES, secretStore } from "../../../client/src/secrets.js";

describe("parseSecretFlag", () => {
  it("reads src, source, env and type", () => {
    expect(parseSecretFlag("id=pypi,src=/run/token")).toEqual({ id: "pypi", file: "/run/token" });
    expect(parseSecretFlag("id=pypi,source=/run/token")).toEqual({ id: "pypi", file: "/run/token" });
    expect(parseSecretFlag("id=pypi,env=PYPI_TOKEN")).toEqual({ id: "pypi", env: "PYPI_TOKEN" });
    expect(parseSecretFlag("id=pypi,type=env,src=PYPI_TOKEN")).toEqual({ id: "pypi", env: "PYPI_TOKEN" });
    expect(parseSecretFlag("id=pypi")).toEqual({ id: "pypi", env: "pypi" });
    expect(parseSecretFlag("type=file,id=tok")).toEqual({ id: "tok", file: "tok" });
    expect(parseSecretFlag('id=a,src="/p,q"')).toEqual({ id: "a", file: "/p,q" });
  });

  it("refuses what it cannot read", () => {
    expect(() => parseSecretFlag("src=/x")).toThrow(/id is required/);
    expect(() => parseSecretFlag("id=a,src=/x,env=B")).toThrow(/not both/);
    expect(() => parseSecretFlag("id=a,type=ssh")).toThrow(/type must be/);
    expect(() => parseSecretFlag("id=a,mode=0400")).toThrow(/unknown key "mode"/);
    expect(() => parseSecretFlag("id")).toThrow(/key=value/);
  });
});

describe("secretStore", () => {
  it("reads files and env vars at request time, undefined for unknown ids and unset vars", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sec-"));
    writeFileSync(join(dir, "t"), "file-secret");
    const store = secretStore([{ id: "f", file: join(dir, "t") }, { id: "e", env: "TOKEN" }, { id: "unset", env: "NOPE" }], { TOKEN: "env-secret" });
    expect((await store("f"))?.toString()).toBe("file-secret");
    expect((await store("e"))?.toString()).toBe("env-secret");
    expect(await store("unset")).toBeUndefined();
    expect(await store("other")).toBeUndefined();
  });

  it("refuses a secret larger than BuildKit takes", async () => {
    const store = secretStore([{ id: "big", env: "BIG" }], { BIG: "x".repeat(MAX_SECRET_BYTES + 1) });
    await expect(store("big")).rejects.toThrow(/more than/);
  });
});
