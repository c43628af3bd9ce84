import { Ajv2020 } from "ajv/dist/2020.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../frontend/cli.js";
import { specJsonSchema } from "../../../frontend/imagespec/json-schema.js";
import { repoRoot } from "../../support/paths.js";

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(specJsonSchema());

describe("the spec's JSON Schema", () => {
  it("is committed up to date (npm run schema)", () => {
    const committed = JSON.parse(readFileSync(join(repoRoot, "schema/imagespec.schema.json"), "utf8"));
    expect(committed).toEqual(specJsonSchema());
  });

  it("is printed by the CLI", () => {
    let out = "";
    expect(runCli(["schema"], (s) => (out += s))).toBe(0);
    expect(JSON.parse(out)).toEqual(specJsonSchema());
  });

  it("accepts the example and both name styles", () => {
    expect(validate(parse(readFileSync(join(repoRoot, "examples/hello/imagespec.yaml"), "utf8")))).toBe(true);
    expect(validate({ baseImage: "x:1", pythonVersion: "3.12", layers: [{ pipPackages: { packages: ["six"], secretMounts: [{ key: "k", mountRequirement: "FILE" }] } }] })).toBe(true);
    expect(validate({ base_image: "x:1", layers: [{ env: { env_variables: { A: "1" } } }], platform: ["linux/arm64"] })).toBe(true);
  });

  it.each([
    ["an unknown field", { base_image: "x:1", layers: [{ pip_packages: { packges: ["six"] } }] }],
    ["a layer with two kinds", { base_image: "x:1", layers: [{ workdir: { workdir: "/a" }, env: { env_variables: {} } }] }],
    ["an empty layer", { base_image: "x:1", layers: [{}] }],
    ["a string where a list is expected", { base_image: "x:1", layers: [{ apt_packages: { packages: "git" } }] }],
    ["a missing base image", { layers: [] }],
    ["a number for python_version", { base_image: "x:1", python_version: 3.11 }],
    ["a bad mount requirement", { base_image: "x:1", layers: [{ commands: { cmd: ["a"], secret_mounts: [{ key: "k", mount_requirement: "DISK" }] } }] }],
  ])("rejects %s", (_what, spec) => {
    expect(validate(spec)).toBe(false);
  });

  it("the CLI validates files and reports every problem with its line", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "cli-"));
    writeFileSync(join(dir, "bad.yaml"), "base_image: x:1\npython_version: 3.11\nlayers:\n  - env: {env_variables: {1BAD: x}}\n");
    let out = "";
    expect(runCli(["validate", join(dir, "bad.yaml")], (s) => (out += s))).toBe(1);
    expect(out).toContain("bad.yaml:2:17: python_version: expected a string, got number 3.11");
    expect(out).toContain('bad.yaml:4:33: layers[0].env.env_variables.1BAD: "1BAD" is not a valid environment variable name');
  });
});
