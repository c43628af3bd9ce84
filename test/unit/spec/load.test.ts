import { describe, expect, it } from "vitest";
import { messageType } from "../../../frontend/protocol/messages.js";
import { specDigest } from "../../../frontend/spec/digest.js";
import { loadSpec } from "../../../frontend/spec/load.js";
import { SpecError, type SpecProblem } from "../../../frontend/spec/problems.js";

const enc = (s: string) => new TextEncoder().encode(s);

function problems(text: string, filename = "spec.yaml"): SpecProblem[] {
  try {
    loadSpec(enc(text), filename);
  } catch (e) {
    if (e instanceof SpecError) return [...e.problems];
    throw e;
  }
  throw new Error("expected the spec to be rejected");
}

const YAML_SPEC = `# syntax=registry.test/imagespec:1
base_image: python:3.12-slim
python_version: "3.12"
platform: [linux/amd64]
layers:
  - apt_packages:
      packages: [git]
  - pip_packages:
      packages: ["requests>=2,<3"]
      options: {index_url: "https://idx.test/simple", pre: true}
      secret_mounts: [{group: g, key: k, mount_requirement: FILE}]
  - env:
      env_variables: {B: "2", A: "1"}
`;

describe("loading specs", () => {
  it("reads YAML with a # syntax= line, keeping env order as written", () => {
    const { spec, format } = loadSpec(enc(YAML_SPEC), "imagespec.yaml");
    expect(format).toBe("yaml");
    expect(spec.baseImage).toBe("python:3.12-slim");
    expect(spec.platforms).toEqual(["linux/amd64"]);
    expect(spec.layers.map((l) => l.kind)).toEqual(["apt_packages", "pip_packages", "env"]);
    const pip = spec.layers[1]!;
    expect(pip.kind === "pip_packages" && pip.options).toEqual({ indexUrl: "https://idx.test/simple", extraIndexUrls: [], pre: true, extraArgs: "" });
    expect(pip.kind === "pip_packages" && pip.secrets[0]).toMatchObject({ group: "g", key: "k", mount: "FILE" });
    const env = spec.layers[2]!;
    expect(env.kind === "env" && env.vars).toEqual([
      ["B", "2"],
      ["A", "1"],
    ]);
  });

  it("accepts protobuf-JSON camelCase names and a top-level syntax key", () => {
    const json = JSON.stringify({
      syntax: "registry.test/imagespec:1",
      baseImage: "python:3.12-slim",
      pythonVersion: "3.12",
      layers: [{ pipPackages: { packages: ["six"], options: { extraIndexUrls: ["https://x.test/simple"] }, secretMounts: [{ key: "k", mountRequirement: "ENV_VAR", envVar: "K" }] } }],
    });
    const { spec, format } = loadSpec(enc(json), "spec.json");
    expect(format).toBe("json");
    const pip = spec.layers[0]!;
    expect(pip.kind).toBe("pip_packages");
    expect(pip.kind === "pip_packages" && pip.options.extraIndexUrls).toEqual(["https://x.test/simple"]);
    expect(pip.kind === "pip_packages" && pip.secrets[0]).toMatchObject({ key: "k", mount: "ENV_VAR", envVar: "K" });
  });

  it("decodes binary protobuf (spec.pb as Flyte's SDK writes it) to the same spec", () => {
    const type = messageType("flyteidl2.imagebuilder.ImageSpec");
    const msg = type.fromObject({
      base_image: "python:3.12-slim",
      python_version: "3.12",
      platform: ["linux/amd64"],
      layers: [
        { apt_packages: { packages: ["git"] } },
        { pip_packages: { packages: ["requests>=2,<3"], options: { index_url: "https://idx.test/simple", pre: true }, secret_mounts: [{ group: "g", key: "k", mount_requirement: 2 }] } },
        { env: { env_variables: { B: "2", A: "1" } } },
      ],
    });
    const bytes = type.encode(msg).finish();
    const fromPb = loadSpec(bytes, "spec.pb");
    expect(fromPb.format).toBe("protobuf");
    const fromYaml = loadSpec(enc(YAML_SPEC), "imagespec.yaml");
    expect(specDigest(fromPb.spec)).toBe(specDigest(fromYaml.spec));
  });

  it("gives the same digest for the same spec in snake_case and camelCase", () => {
    const a = loadSpec(enc(JSON.stringify({ base_image: "x:1", layers: [{ workdir: { workdir: "/a" } }] })), "a.json");
    const b = loadSpec(enc(JSON.stringify({ baseImage: "x:1", layers: [{ workdir: { workdir: "/a" } }] })), "b.json");
    expect(specDigest(a.spec)).toBe(specDigest(b.spec));
  });
});

describe("spec problems name the field and the line", () => {
  it("unknown field with a suggestion", () => {
    const p = problems("base_image: x:1\nlayers:\n  - pip_packages:\n      packges: [six]\n");
    expect(p[0]).toMatchObject({ path: "layers[0].pip_packages.packges", message: 'unknown field "packges" in PipPackages', hint: 'did you mean "packages"?' });
    expect(p[0]!.range!.start).toEqual({ line: 4, column: 7 });
  });

  it("a string where a list is expected", () => {
    const p = problems("base_image: x:1\nlayers:\n  - apt_packages:\n      packages: git\n");
    expect(p[0]).toMatchObject({ path: "layers[0].apt_packages.packages", message: "expected a list of strings, got a single string", hint: 'write ["git"]' });
    expect(p[0]!.range!.start.line).toBe(4);
  });

  it("a layer with two kinds", () => {
    const p = problems("base_image: x:1\nlayers:\n  - workdir: {workdir: /a}\n    env: {env_variables: {A: b}}\n");
    expect(p[0]).toMatchObject({ path: "layers[0]", message: "a layer must have exactly one kind, but sets workdir and env" });
    expect(p[0]!.range!.start.line).toBe(3);
  });

  it("an unquoted YAML number where a version string is meant", () => {
    const p = problems("base_image: x:1\npython_version: 3.10\n");
    expect(p[0]).toMatchObject({ path: "python_version", message: "expected a string, got number 3.1" });
    expect(p[0]!.hint).toContain("quote");
  });

  it("reports every structural problem at once", () => {
    const p = problems("base_image: x:1\nlayers:\n  - pip_packages: {packages: six}\n  - bogus: {}\n");
    expect(p.map((x) => x.path)).toEqual(["layers[0].pip_packages.packages", "layers[1].bogus"]);
    expect(p[1]!.hint).toContain("known fields: apt_packages, pip_packages");
  });

  it("a missing base image", () => {
    expect(problems("layers: []\n")[0]).toMatchObject({ path: "base_image", message: 'missing required field "base_image"' });
  });

  it("syntax errors carry their position", () => {
    const p = problems('{"base_image": "x:1",\n "layers": [}\n', "spec.json");
    expect(p[0]!.message).toMatch(/^JSON syntax error/);
    expect(p[0]!.range!.start.line).toBe(2);
  });

  it("paths that leave the context", () => {
    const p = problems("base_image: x:1\nlayers:\n  - copy_config: {src: ../secrets, dst: /x}\n  - requirements: {file: /etc/passwd}\n");
    expect(p.map((x) => x.path)).toEqual(["layers[0].copy_config.src", "layers[1].requirements.file"]);
    expect(p[0]!.message).toContain("must be a relative path inside the build context");
    expect(p[0]!.range!.start.line).toBe(3);
  });

  it("an option smuggled in as a package", () => {
    const p = problems('base_image: x:1\nlayers:\n  - pip_packages: {packages: ["--index-url=http://evil/simple"]}\n');
    expect(p[0]!.message).toContain("looks like an option");
  });

  it("an unsupported Python version", () => {
    expect(problems('base_image: x:1\npython_version: "3.6"\n')[0]).toMatchObject({ path: "python_version", message: "Python 3.6 is not supported" });
  });

  it("a secret declared twice with different settings", () => {
    const p = problems(
      "base_image: x:1\nlayers:\n  - commands: {cmd: [a], secret_mounts: [{key: k}]}\n  - commands: {cmd: [b], secret_mounts: [{key: k, mount_requirement: FILE}]}\n",
    );
    expect(p[0]!.message).toContain('secret "k" is declared again with different settings');
  });
});
