/**
 * The build service keeps the SBOM a build asked for (`sbom: true`): the frontend attaches it to
 * the pushed image, the worker reads it back from the registry, and the API serves it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spdxProblems } from "../support/spdx.js";
import { baseImage, engineEnv, frontendImage, indexUrl, registry } from "./harness.js";
import { databaseUrl } from "./service-env.js";
import { api, ended, startService, type TestService } from "./service-support.js";

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ databaseUrl: databaseUrl(), engineEnv: engineEnv() as Record<string, string>, frontendImage: frontendImage(), tenants: ["alpha"] });
});
afterAll(async () => svc?.close());

const spec = JSON.stringify({ base_image: baseImage(), python_version: "3.11", layers: [{ pip_packages: { packages: ["acme-cli"], options: { index_url: indexUrl() } } }] });

describe("build service: sbom", () => {
  it("a build with sbom: true keeps the SBOM attached to its image; one without has none", async () => {
    const a = api(svc, "alpha");
    const target = `${registry()}/svc-e2e/sbom:${process.pid}-${Date.now()}`;
    const sub = await a.submit({ spec, specFilename: "spec.json", target, frontendOptions: { installer: "pip" }, sbom: true });
    expect(sub.status).toBe(202);
    expect(sub.body.sbomUrl).toBe(`${sub.body.url}/sbom`);
    const done = await a.waitFor(sub.body.id, ended);
    expect(done, JSON.stringify(done)).toMatchObject({ state: "succeeded" });
    const kept = (await a.get(`/v1/builds/${sub.body.id}/sbom`)) as { image: string; sboms: { platform: string; manifest: string; spdx: { packages: { name: string; versionInfo: string; checksums?: unknown[] }[] } }[] };
    expect(kept.image).toBe(`${target.slice(0, target.lastIndexOf(":"))}@${done.result.split("@")[1]}`);
    expect(kept.sboms.map((s) => s.platform)).toEqual(["linux/amd64"]);
    const doc = kept.sboms[0]!.spdx;
    expect(spdxProblems(doc)).toEqual([]);
    expect(doc.packages.find((p) => p.name === "acme-cli")).toMatchObject({ versionInfo: "1.0.0", checksums: [expect.objectContaining({ algorithm: "SHA256" })] });

    const plain = await a.submit({ spec, specFilename: "spec.json", target: `${target}-plain`, frontendOptions: { installer: "pip" } });
    expect(plain.body.sbomUrl).toBeNull();
    expect(await a.waitFor(plain.body.id, ended)).toMatchObject({ state: "succeeded" });
    expect((await a.get(`/v1/builds/${plain.body.id}/sbom`)).error).toMatch(/did not ask for one/);
  });
});
