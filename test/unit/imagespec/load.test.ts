import { describe, expect, it } from "vitest";
import { messageType } from "../../../frontend/common/messages.js";
import { specDigest } from "../../../frontend/imagespec/digest.js";
import { loadSpec } from "../../../frontend/imagespec/load.js";
import { MAX_REPORTED_PROBLEMS } from "../../../frontend/imagespec/limits.js";
import { SpecError, type SpecProblem } from "../../../frontend/imagespec/problems.js";

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
    expect(p[0]).toMatchObject({ path: "python_version", message: "expected a string, got number 3.10" });
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

describe("reading hostile input", () => {
  it("orders problems by line, then column, even past column 10,000 (minified JSON)", () => {
    const filler = Array.from({ length: 600 }, (_, i) => `{"workdir":{"workdir":"/w${i}"}}`).join(",");
    const text = `{"base_image":"x:1","layers":[${filler},{"bogus":{}}],\n"python_version":3}`;
    const p = problems(text, "spec.json");
    expect(p.map((x) => x.path)).toEqual(["layers[600].bogus", "python_version"]);
    expect(p[0]!.range!.start.column).toBeGreaterThan(10_000);
    expect(p[1]!.range!.start.line).toBe(2);
  });

  it("keeps every later list item at its own index after an invalid one", () => {
    const p = problems('base_image: x:1\nplatform: [linux/amd64, 7, "no such/platform/at/all"]\n');
    expect(p.map((x) => x.path)).toEqual(["platform[1]", "platform[2]"]);
  });

  it("reads a YAML flow mapping and JSON alike, whatever the file name", () => {
    for (const [text, name] of [["{base_image: x:1, layers: [{workdir: {workdir: /a}}]}", "spec.yaml"], ['{"base_image": "x:1", "layers": [{"workdir": {"workdir": "/a"}}]}', "spec"]] as const) {
      const { spec } = loadSpec(enc(text), name);
      expect(spec.layers[0]).toMatchObject({ kind: "workdir", workdir: "/a" });
    }
    expect(loadSpec(enc("{base_image: x:1}"), "spec.yaml").format).toBe("yaml");
    expect(loadSpec(enc('{"base_image": "x:1"}'), "spec.yaml").format).toBe("json");
  });

  it("tells a short binary spec that is valid text from a YAML file starting with a blank line", () => {
    const type = messageType("flyteidl2.imagebuilder.ImageSpec");
    const image = "docker.io/library/python:3.12-slim-bookworm"; // its length byte is printable
    const bytes = type.encode(type.fromObject({ base_image: image })).finish();
    expect(new TextDecoder("utf-8", { fatal: true }).decode(bytes)).toContain(image);
    expect(loadSpec(bytes, "spec").format).toBe("protobuf");
    expect(loadSpec(enc("\nbase_image: x:1\n"), "spec").format).toBe("yaml");
  });

  it("an alias keeps the private index and the secrets of the layer it is used in", () => {
    const { spec } = loadSpec(
      enc("base_image: x:1\nlayers:\n  - pip_packages:\n      packages: [a]\n      options: &o {index_url: 'https://private.test/simple'}\n      secret_mounts: &s [{key: tok}]\n  - pip_packages: {packages: [b], options: *o, secret_mounts: *s}\n"),
      "spec.yaml",
    );
    const second = spec.layers[1]!;
    expect(second.kind === "pip_packages" && second.options.indexUrl).toBe("https://private.test/simple");
    expect(second.kind === "pip_packages" && second.secrets.map((s) => [s.key, s.at])).toEqual([["tok", "layers[1].pip_packages.secret_mounts[0]"]]);
  });

  it("a merge key fills in what the mapping does not say itself", () => {
    const { spec } = loadSpec(enc("base_image: x:1\nlayers:\n  - env: {env_variables: &base {A: '1', B: '2'}}\n  - env: {env_variables: {<<: *base, B: '3', C: '4'}}\n"), "spec.yaml");
    const env = spec.layers[1]!;
    expect(env.kind === "env" && env.vars).toEqual([
      ["A", "1"],
      ["B", "3"],
      ["C", "4"],
    ]);
  });

  it("lists at most the reported-problem cap, then says there are more", () => {
    const text = JSON.stringify({ base_image: "x:1", layers: Array.from({ length: 3000 }, () => ({})) });
    const p = problems(text, "spec.json");
    expect(p.length).toBe(MAX_REPORTED_PROBLEMS + 1);
    expect(p.at(-1)!.message).toContain("and more problems");
  });
});

describe("binary protobuf maps", () => {
  it("keep a key named like an object internal (__proto__) as an ordinary variable", () => {
    const entry = (k: string, v: string) => [0x0a, k.length, ...enc(k), 0x12, v.length, ...enc(v)];
    const env = [0x0a, ...[entry("__proto__", "x")].map((e) => [e.length, ...e]).flat()];
    const layer = [0x4a, env.length, ...env];
    const bytes = new Uint8Array([0x0a, 3, ...enc("x:1"), 0x1a, layer.length, ...layer]);
    const l = loadSpec(bytes, "spec.pb").spec.layers[0]!;
    expect(l.kind === "env" && l.vars).toEqual([["__proto__", "x"]]);
  });
});

describe("telling text from binary", () => {
  it("a protobuf of empty layers (a NUL in every other byte) is not taken for UTF-16", () => {
    const p = problems(String.fromCharCode(0x1a, 0, 0x1a, 0, 0x1a, 0, 0x1a, 0, 0x1a, 0), "spec");
    expect(p.map((x) => x.message)).toContain(`missing required field "base_image"`);
    expect(p.map((x) => x.message).join("\n")).not.toContain("UTF-16");
  });

  it("UTF-16 text with or without a BOM gets a message to save it as UTF-8", () => {
    const le = new Uint8Array([0xff, 0xfe, ...[..."base_image: x:1\n"].flatMap((c) => [c.charCodeAt(0), 0])]);
    const be = new Uint8Array([..."base_image: x:1\n"].flatMap((c) => [0, c.charCodeAt(0)]));
    for (const data of [le, be]) {
      try {
        loadSpec(data, "spec.yaml");
        throw new Error("accepted");
      } catch (e) {
        expect((e as SpecError).problems[0]).toMatchObject({ hint: "save it as UTF-8" });
      }
    }
  });
});
