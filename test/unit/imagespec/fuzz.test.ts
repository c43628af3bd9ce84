/**
 * Fuzzing parse → validate → compile: any input ends in a clean spec error or a valid
 * Definition, never another exception; YAML aliases mean what their value written out means;
 * tags outside the core schema and malformed protobuf wire data are refused.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { planImage } from "../../../frontend/plan/plan-image.js";
import { lower } from "../../../frontend/lower/lower.js";
import { UserError } from "../../../frontend/common/errors.js";
import { PythonUnavailableError } from "../../../frontend/plan/python.js";
import { loadSpec } from "../../../frontend/imagespec/load.js";
import { scanYaml } from "../../../frontend/imagespec/prescan.js";
import { SpecError } from "../../../frontend/imagespec/problems.js";
import { parse, stringify } from "yaml";
import { messageType } from "../../../frontend/common/messages.js";
import { varint } from "../../support/wire-bytes.js";
import { decodeDefinition, SourceMap } from "../../../llb/src/index.js";
import { baseConfig, BASE_REF, PYTHON_311, settings } from "../../support/compile-fixture.js";

/** Wheel listings for whatever directory a fuzzed spec names. */
const anyWheels = new Proxy({} as Record<string, string[]>, { get: (_t, dir) => [`${String(dir)}/pkg-1.0-py3-none-any.whl`] });

/** Errors that are a clean, user-facing verdict on the spec. */
function isCleanError(e: unknown): boolean {
  return e instanceof SpecError || e instanceof PythonUnavailableError || e instanceof UserError;
}

function pipeline(text: string, installer: "uv" | "pip"): "rejected" | "compiled" {
  const data = new TextEncoder().encode(text);
  try {
    const loaded = loadSpec(data, "spec.yaml");
    const plan = planImage({ loaded, base: { ref: BASE_REF, config: baseConfig() }, python: PYTHON_311, facts: { wheels: anyWheels, files: {} }, settings: settings({ installer }) });
    const state = lower(plan, {
      platform: { os: "linux", architecture: "amd64" },
      context: { localName: "context", sessionId: "s", excludePatterns: [] },
      settings: settings({ installer }),
      sourceMap: new SourceMap("spec.yaml", data, "yaml"),
      ranges: loaded.ranges,
    });
    const def = state.marshal();
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
    // The generator also reaches the compiler, not only errors: about 55 of 6,000 on average, 46 at
    // the least seen over seeded runs, so the bound leaves room for the spread of random seeds.
    expect(compiled).toBeGreaterThan(20);
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

/** What loading says about a spec: its typed form, or its problems (path and message) in a stable order. */
function outcome(text: string): { spec?: unknown; problems?: string[] } {
  try {
    return { spec: loadSpec(new TextEncoder().encode(text), "spec.yaml").spec };
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return { problems: e.problems.map((p) => `${p.path}: ${p.message}`).sort() };
  }
}

const CORE_TAGS = ["!!str", "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq", "!"];
const OTHER_TAGS = ["!!binary", "!!timestamp", "!!set", "!!omap", "!foo", "!<tag:example.com,2000:x>", "!!python/object"];

describe("fuzzing YAML anchors, aliases and tags", () => {
  it("an alias means exactly what writing its value out means (1,000 cases)", () => {
    fc.assert(
      fc.property(value, fc.constantFrom("options", "secret_mounts", "packages"), (v, field) => {
        const written = JSON.stringify(v) ?? "null";
        const layer = (x: string) => (field === "packages" ? `  - pip_packages: {packages: ${x}}\n` : `  - pip_packages: {packages: [six], ${field}: ${x}}\n`);
        const head = "base_image: x:1\nlayers:\n";
        const withAlias = head + layer(`&v ${written}`) + layer("*v");
        const writtenOut = head + layer(written) + layer(written);
        const a = outcome(withAlias);
        const b = outcome(writtenOut);
        if (a.problems?.some((p) => p.includes("YAML aliases expand to more than"))) return; // a refused expansion
        expect(a).toEqual(b);
      }),
      { numRuns: 1000 },
    );
  }, 60_000);

  it("a tag outside the core schema is never accepted; a core tag never crashes (1,000 cases)", () => {
    const slots = [...VALID.matchAll(/(: |- )(?=\S)/g)].map((m) => m.index! + m[0].length);
    fc.assert(
      fc.property(fc.constantFrom(...slots), fc.constantFrom(...CORE_TAGS, ...OTHER_TAGS), fc.constantFrom("", "&a ", "*a "), (at, tag, extra) => {
        const text = VALID.slice(0, at) + tag + " " + (extra === "*a " ? "" : extra) + VALID.slice(at);
        const result = outcome(text);
        if (OTHER_TAGS.includes(tag)) {
          expect(result.problems, text).toBeDefined();
          expect(result.problems!.join("\n")).toMatch(/the YAML tag \S+ is not supported|YAML syntax error/);
        }
      }),
      { numRuns: 1000 },
    );
  }, 60_000);
});

describe("fuzzing binary protobuf", () => {
  const type = messageType("flyteidl2.imagebuilder.ImageSpec");
  const field = (n: number, payload: Uint8Array) => [...varint((n << 3) | 2), ...varint(payload.length), ...payload];
  const layerBytes = (l: object) => type.lookupType("Layer").encode(type.lookupType("Layer").fromObject(l)).finish();
  const topLevel = fc.array(
    fc.oneof(
      fc.constant([1, enc("python:3.12-slim")] as const),
      fc.constantFrom("3.11", "3.12").map((v) => [2, enc(v)] as const),
      fc.constantFrom({ apt_packages: { packages: ["git"] } }, { pip_packages: { packages: ["six"], options: { pre: true } } }, { env: { env_variables: { A: "1" } } }, { commands: { cmd: ["make"], secret_mounts: [{ key: "k", mount_requirement: 2 }] } }).map((l) => [3, layerBytes(l)] as const),
      fc.constant([4, enc("linux/amd64")] as const),
    ),
    { minLength: 1, maxLength: 6 },
  );

  it("a wrong wire type on any top-level field is refused with the field and its byte offset (800 cases)", () => {
    fc.assert(
      fc.property(topLevel, fc.nat(), fc.constantFrom(0, 1, 5), (fields, pick, wire) => {
        const target = pick % fields.length;
        const bytes: number[] = [];
        let offset = 0;
        fields.forEach(([n, payload], i) => {
          const encoded = field(n, payload);
          if (i === target) {
            offset = bytes.length;
            encoded[0] = (n << 3) | wire;
          }
          bytes.push(...encoded);
        });
        const result = pbOutcome(new Uint8Array(bytes));
        expect(result.problems?.join("\n")).toContain(`at byte offset ${offset}`);
      }),
      { numRuns: 800 },
    );
  });

  it("an unknown field anywhere at the top level is refused by number (500 cases)", () => {
    fc.assert(
      fc.property(topLevel, fc.nat(), fc.integer({ min: 5, max: 2000 }), fc.constantFrom(0, 1, 2, 5), (fields, pick, number, wire) => {
        const at = pick % (fields.length + 1);
        const unknown = [...varint((number << 3) | wire), ...(wire === 0 ? [1] : wire === 1 ? Array(8).fill(0) : wire === 5 ? Array(4).fill(0) : [1, 0x41])];
        const parts = fields.map(([n, p]) => field(n, p));
        parts.splice(at, 0, unknown);
        const result = pbOutcome(new Uint8Array(parts.flat()));
        expect(result.problems?.join("\n")).toContain(`unknown field number ${number} in ImageSpec`);
      }),
      { numRuns: 500 },
    );
  });

  it("truncated or corrupted bytes end in a clean verdict (1,000 cases)", () => {
    fc.assert(
      fc.property(topLevel, fc.nat(), fc.nat(255), fc.boolean(), (fields, pos, byte, truncate) => {
        const bytes = fields.flatMap(([n, p]) => field(n, p));
        const i = pos % bytes.length;
        const mutated = truncate ? bytes.slice(0, i) : bytes.map((b, k) => (k === i ? byte : b));
        pbOutcome(new Uint8Array(mutated));
      }),
      { numRuns: 1000 },
    );
  });
});

const enc = (s: string) => new TextEncoder().encode(s);

function pbOutcome(bytes: Uint8Array): { problems?: string[] } {
  try {
    loadSpec(bytes, "spec.pb");
    return {};
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    return { problems: e.problems.map((p) => `${p.path}: ${p.message}`) };
  }
}

/** Levels of lists and objects in a plain value (a scalar has none). */
function collectionDepth(v: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop()!;
    if (x === null || typeof x !== "object") continue;
    max = Math.max(max, d + 1);
    for (const child of Object.values(x as object)) stack.push([child, d + 1]);
  }
  return max;
}

describe("fuzzing the YAML pre-scan", () => {
  const deep: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof({ maxDepth: 9, depthSize: "large" }, str, fc.integer(), fc.array(tie("node"), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 6 }), tie("node"), { maxKeys: 3 })),
  })).node;
  const styles = fc.record({
    collectionStyle: fc.constantFrom("any" as const, "block" as const, "flow" as const),
    defaultStringType: fc.constantFrom("PLAIN" as const, "QUOTE_DOUBLE" as const, "QUOTE_SINGLE" as const, "BLOCK_LITERAL" as const, "BLOCK_FOLDED" as const),
    defaultKeyType: fc.constantFrom(null, "PLAIN" as const, "QUOTE_DOUBLE" as const, "QUOTE_SINGLE" as const),
    indent: fc.integer({ min: 1, max: 4 }),
  });

  it("never counts fewer levels of nesting than a document has (1,000 cases)", () => {
    fc.assert(
      fc.property(deep, styles, (v, options) => {
        const text = stringify(v, options);
        const depth = collectionDepth(parse(text));
        if (depth === 0) return;
        expect(scanYaml(text, depth - 1, Infinity).tooDeepAt, text).toBeDefined();
      }),
      { numRuns: Number(process.env.PRESCAN_RUNS ?? 1000) },
    );
  }, 600_000);
});
