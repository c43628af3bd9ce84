/**
 * Fuzzing parse → validate → compile: any input ends in a clean spec error or a valid
 * Definition, never another exception. 10,000 cases in all.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileImage } from "../../../frontend/compile/compile.js";
import { PythonUnavailableError } from "../../../frontend/compile/python.js";
import { loadSpec } from "../../../frontend/spec/load.js";
import { SpecError } from "../../../frontend/spec/problems.js";
import { decodeDefinition, SourceMap } from "../../../llb/src/index.js";
import { baseConfig, BASE_REF, PYTHON_311, settings } from "../../support/compile-fixture.js";

/** Wheel listings for whatever directory a fuzzed spec names. */
const anyWheels = new Proxy({} as Record<string, string[]>, { get: (_t, dir) => [`${String(dir)}/pkg-1.0-py3-none-any.whl`] });

/** Errors that are a clean, user-facing verdict on the spec. */
function isCleanError(e: unknown): boolean {
  return e instanceof SpecError || e instanceof PythonUnavailableError || (e instanceof Error && e.name === "UnsupportedWithPipError");
}

function pipeline(text: string, installer: "uv" | "pip"): "rejected" | "compiled" {
  const data = new TextEncoder().encode(text);
  try {
    const loaded = loadSpec(data, "spec.yaml");
    const compiled = compileImage({
      loaded,
      platform: { os: "linux", architecture: "amd64" },
      base: { ref: BASE_REF, config: baseConfig() },
      python: PYTHON_311,
      facts: { wheels: anyWheels, files: {} },
      settings: settings({ installer }),
      context: { localName: "context", sessionId: "s", excludePatterns: [] },
      specDigest: "sha256:" + "0".repeat(64),
      frontendVersion: "0",
      sourceMap: new SourceMap("spec.yaml", data, "yaml"),
    });
    const def = compiled.state.marshal();
    expect(def.def.length).toBeGreaterThanOrEqual(2);
    expect(decodeDefinition(def.encode()).def.length).toBe(def.def.length);
    return "compiled";
  } catch (e) {
    if (isCleanError(e)) return "rejected";
    throw e;
  }
}

const str = fc.oneof(
  fc.constantFrom("", "x:1", "python:3.12-slim", "3.11", "3.12", "3.13", "/app", "app", "../x", "/etc/passwd", "six", "six==1.16", "a b", "--pre", "$PATH", "${A:-b}", "linux/arm64", "FILE", "ENV_VAR", "ANY", "pkg; rm -rf /", "é", "\u0000", "dist", "req.txt", "proj/pyproject.toml", "--no-install-project", "--no-root"),
  fc.string({ maxLength: 12 }),
);
const scalar = fc.oneof(str, fc.integer(), fc.boolean(), fc.constant(null));
const FIELD_NAMES = [
  "base_image", "baseImage", "python_version", "pythonVersion", "layers", "platform", "syntax",
  "apt_packages", "pip_packages", "commands", "requirements", "python_wheels", "workdir", "copy_config", "uv_project", "env", "poetry_project",
  "packages", "secret_mounts", "secretMounts", "options", "index_url", "extra_index_urls", "pre", "extra_args", "file", "dir", "package_name",
  "pyproject", "uvlock", "source_dir", "poetry_lock", "cmd", "src", "dst", "env_variables", "group", "key", "mount_requirement", "env_var", "packges", "bogus",
];
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ maxDepth: 5, depthSize: "small" }, scalar, fc.array(tie("node"), { maxLength: 4 }), fc.dictionary(fc.constantFrom(...FIELD_NAMES), tie("node"), { maxKeys: 4 })),
})).node;

const layerKinds = ["apt_packages", "pip_packages", "commands", "requirements", "python_wheels", "workdir", "copy_config", "uv_project", "env", "poetry_project"];
const plausibleSpec = fc.record({
  base_image: fc.oneof(fc.constant("x:1"), str),
  python_version: fc.option(fc.constantFrom("3.11", "3.12", "3.10", "3.11.2", "2.7"), { nil: undefined }),
  platform: fc.option(fc.array(fc.constantFrom("linux/amd64", "linux/arm64", "windows/amd64", "bad"), { maxLength: 2 }), { nil: undefined }),
  layers: fc.array(fc.tuple(fc.constantFrom(...layerKinds), fc.dictionary(fc.constantFrom(...FIELD_NAMES), value, { maxKeys: 4 })).map(([k, v]) => ({ [k]: v })), { maxLength: 6 }),
});

const VALID = `base_image: x:1
python_version: "3.11"
layers:
  - apt_packages: {packages: [git, curl]}
  - pip_packages: {packages: ["six==1.16"], options: {index_url: "https://i.test/simple", pre: true, extra_args: "--no-cache-dir"}}
  - requirements: {file: deps/requirements.txt}
  - python_wheels: {dir: dist, package_name: acme}
  - uv_project: {pyproject: svc, uvlock: svc/uv.lock, options: {extra_args: "--no-install-project"}}
  - poetry_project: {pyproject: app, poetry_lock: app/poetry.lock, extra_args: "--no-root"}
  - workdir: {workdir: /app}
  - copy_config: {src: src, dst: .}
  - env: {env_variables: {A: "1", PATH: "/x:$PATH"}}
  - commands: {cmd: ["echo hi"], secret_mounts: [{group: g, key: k, mount_requirement: FILE, env_var: P}]}
`;

describe("fuzzing spec input", () => {
  it("random structured specs (6,000 cases)", () => {
    let compiled = 0;
    fc.assert(
      fc.property(fc.oneof(plausibleSpec, value), fc.constantFrom("uv" as const, "pip" as const), fc.boolean(), (spec, installer, asJson) => {
        const text = asJson ? JSON.stringify(spec) ?? "null" : JSON.stringify(spec, null, 1) ?? "null";
        if (pipeline(text, installer) === "compiled") compiled++;
      }),
      { numRuns: 6000 },
    );
    expect(compiled).toBeGreaterThan(50); // the generator also reaches the compiler, not only errors
  }, 120_000);

  it("mutated valid specs (4,000 cases)", () => {
    expect(pipeline(VALID, "uv")).toBe("compiled");
    const mutation = fc.array(
      fc.tuple(fc.nat(), fc.constantFrom("delete", "insert", "replace", "duplicate"), fc.constantFrom(..."{}[]:,\"'-# \n\tax9$/.".split(""))),
      { minLength: 1, maxLength: 4 },
    );
    fc.assert(
      fc.property(mutation, fc.constantFrom("uv" as const, "pip" as const), (ops, installer) => {
        let text = VALID;
        for (const [pos, op, ch] of ops) {
          const i = pos % (text.length + 1);
          if (op === "delete") text = text.slice(0, i) + text.slice(i + 1);
          else if (op === "insert") text = text.slice(0, i) + ch + text.slice(i);
          else if (op === "replace") text = text.slice(0, i) + ch + text.slice(i + 1);
          else text = text.slice(0, i) + text.slice(i, i + 20) + text.slice(i);
        }
        pipeline(text, installer);
      }),
      { numRuns: 4000 },
    );
  }, 120_000);
});
