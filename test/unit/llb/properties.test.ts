import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  decodeDefinition,
  decodeOp,
  diff,
  encodeDefinition,
  encodeOp,
  FileAction,
  image,
  local,
  merge,
  scratch,
  type RunMount,
  type State,
} from "../../../llb/src/index.js";
import { goldenPath } from "../../support/paths.js";
import { loadProtoRoot } from "../../support/proto.js";

/** One step of a random graph recipe. */
type Step =
  | { kind: "env"; key: string; value: string }
  | { kind: "run"; args: string[]; env: Record<string, string>; mounts: number[]; network: "sandbox" | "host" | "none" }
  | { kind: "file"; path: string; data: string; rm: boolean }
  | { kind: "copy"; from: number; src: string; dest: string }
  | { kind: "merge"; with: number }
  | { kind: "diff"; lower: number };

const word = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
// Short strings, plus long ones in any Unicode (the writer encodes long strings natively).
const text = (maxLength: number) => fc.oneof(fc.string({ maxLength }), fc.string({ unit: "binary", minLength: 30, maxLength: 300 }));
const envKey = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,6}$/);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("env" as const), key: envKey, value: text(12) }),
  fc.record({
    kind: fc.constant("run" as const),
    args: fc.array(text(10), { minLength: 1, maxLength: 4 }),
    env: fc.dictionary(envKey, fc.string({ maxLength: 8 }), { maxKeys: 4 }),
    mounts: fc.array(fc.nat({ max: 4 }), { maxLength: 4 }),
    network: fc.constantFrom("sandbox" as const, "host" as const, "none" as const),
  }),
  fc.record({ kind: fc.constant("file" as const), path: word.map((w) => `/d/${w}`), data: text(20), rm: fc.boolean() }),
  fc.record({ kind: fc.constant("copy" as const), from: fc.nat({ max: 8 }), src: word, dest: word.map((w) => `/c/${w}/`) }),
  fc.record({ kind: fc.constant("merge" as const), with: fc.nat({ max: 8 }) }),
  fc.record({ kind: fc.constant("diff" as const), lower: fc.nat({ max: 8 }) }),
);

const MOUNT_KINDS: ((prev: State[], i: number) => RunMount)[] = [
  (_p, i) => ({ type: "cache", dest: `/cache/${i}`, id: `c${i}`, sharing: "locked" }),
  (_p, i) => ({ type: "tmpfs", dest: `/tmp/t${i}` }),
  (_p, i) => ({ type: "secret", dest: `/run/secrets/s${i}`, id: `s${i}` }),
  (p, i) => ({ type: "bind", dest: `/mnt/b${i}`, source: p[i % p.length]!, readonly: true }),
  (p, i) => ({ type: "bind", dest: `/out/o${i}`, source: p[i % p.length]! }),
];

function build(steps: Step[], mountOrder: "asis" | "reversed" = "asis"): State {
  const states: State[] = [image("docker.io/library/debian:bookworm"), local("context", { sessionId: "s", sharedKeyHint: "context" })];
  let cur = states[0]!;
  for (const s of steps) {
    switch (s.kind) {
      case "env":
        cur = cur.withEnv(s.key, s.value);
        break;
      case "run": {
        const unique = [...new Set(s.mounts)];
        let mounts = unique.map((m, i) => MOUNT_KINDS[m]!(states, i));
        if (mountOrder === "reversed") mounts = mounts.reverse();
        cur = cur.run({ args: s.args, env: s.env, mounts, network: s.network }).root();
        break;
      }
      case "file":
        cur = cur.file(s.rm ? FileAction.mkfile(s.path, 0o644, s.data).rm(s.path) : FileAction.mkdir("/d", 0o755, { parents: true }).mkfile(s.path, 0o600, s.data));
        break;
      case "copy":
        cur = cur.copy(states[s.from % states.length]!, s.src, s.dest, { createDestPath: true });
        break;
      case "merge":
        cur = merge([cur, states[s.with % states.length]!, scratch()]);
        break;
      case "diff":
        cur = diff(states[s.lower % states.length]!, cur);
        break;
    }
    states.push(cur);
  }
  return cur;
}

// Byte equality as hex strings: as strict as comparing Buffers, shows the same diff, and is
// about ten times faster than deep equality over thousands of generated ops.
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("LLB encoding properties", () => {
  it("decode then re-encode reproduces every op and the whole Definition byte for byte", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        const def = build(steps).marshal();
        for (const bytes of def.def) expect(hex(encodeOp(decodeOp(bytes)))).toBe(hex(bytes));
        const encoded = def.encode();
        expect(hex(encodeDefinition(decodeDefinition(encoded)))).toBe(hex(encoded));
      }),
      { numRuns: 300 },
    );
  });

  it("round-trips BuildKit's own golden ops", () => {
    const golden = JSON.parse(readFileSync(goldenPath(), "utf8")) as { ops: { bytes_base64: string }[] }[];
    for (const c of golden) {
      for (const op of c.ops) {
        const bytes = Buffer.from(op.bytes_base64, "base64");
        expect(Buffer.from(encodeOp(decodeOp(bytes)))).toEqual(bytes);
      }
    }
  });

  it("our decoder and protobufjs (from proto/) agree on what the bytes mean", () => {
    const Op = loadProtoRoot().lookupType("pb.Op");
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), (steps) => {
        const def = build(steps).marshal();
        for (const bytes of def.def) {
          const theirs = Op.toObject(Op.decode(bytes), { longs: Number, defaults: false }) as Record<string, any>;
          const ours = decodeOp(bytes) as Record<string, any>;
          expect((theirs.inputs ?? []).map((i: { digest: string }) => i.digest)).toEqual((ours.inputs ?? []).map((i: { digest: string }) => i.digest));
          if (ours.exec) expect(theirs.exec.meta.args).toEqual(ours.exec.meta.args);
          if (ours.source) expect(theirs.source.identifier).toBe(ours.source.identifier);
          if (ours.file) expect(theirs.file.actions.length).toBe(ours.file.actions.length);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("marshalling is deterministic", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 10 }), (steps) => {
        expect(hex(build(steps).marshal().encode())).toBe(hex(build(steps).marshal().encode()));
      }),
      { numRuns: 100 },
    );
  });

  it("digests do not depend on the insertion order of mounts", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 10 }), (steps) => {
        expect(build(steps, "reversed").marshal().digests).toEqual(build(steps).marshal().digests);
      }),
      { numRuns: 200 },
    );
  });

  it("digests do not depend on the insertion order of env maps, source attrs or metadata maps", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(envKey, fc.string({ maxLength: 6 })), { selector: ([k]) => k, minLength: 1, maxLength: 6 }),
        fc.uniqueArray(fc.tuple(word, fc.string({ maxLength: 6 })), { selector: ([k]) => k, maxLength: 4 }),
        (envPairs, descPairs) => {
          const forward = (pairs: [string, string][]) => Object.fromEntries(pairs);
          const backward = (pairs: [string, string][]) => Object.fromEntries([...pairs].reverse());
          const make = (order: typeof forward) =>
            local("ctx", { sessionId: "s", excludePatterns: ["a"], followPaths: ["b"], sharedKeyHint: "ctx", description: order(descPairs) })
              .run({ args: ["true"], env: order(envPairs), description: order(descPairs), caps: descPairs.map(([k]) => `x.${k}`) })
              .marshal();
          const a = make(forward);
          const b = make(backward);
          expect(b.digests).toEqual(a.digests);
          expect(hex(b.encode())).toBe(hex(a.encode()));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("State.withEnvs", () => {
  const pair = fc.tuple(fc.constantFrom("A", "B", "PATH", "LANG", "X_1"), fc.string({ maxLength: 8 }));
  it("gives the environment withEnv gives, pair by pair: first setting's order, later values replace", () => {
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 6 }), fc.array(pair, { maxLength: 12 }), (start, pairs) => {
        const base = start.reduce((s, [k, v]) => s.withEnv(k, v), image("docker.io/library/debian:bookworm"));
        expect(base.withEnvs(pairs).env()).toEqual(pairs.reduce((s, [k, v]) => s.withEnv(k, v), base).env());
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a name that is empty or holds '='", () => {
    expect(() => scratch().withEnvs([["A", "1"], ["B=C", "2"]])).toThrow(/invalid environment variable name "B=C"/);
    expect(() => scratch().withEnvs([["", "1"]])).toThrow(/invalid environment variable name/);
  });
});

describe("State.withEnvList", () => {
  it("takes a whole env of unique keys as it is, in place of the state's own", () => {
    const env = [["PATH", "/usr/bin"], ["A", "1"]] as const;
    const st = image("docker.io/library/debian:bookworm").withEnv("OLD", "x").withEnvList(env);
    expect(st.env()).toEqual(["PATH=/usr/bin", "A=1"]);
  });

  it("refuses a name that is empty or holds '='", () => {
    expect(() => scratch().withEnvList([["A", "1"], ["B=C", "2"]])).toThrow(/invalid environment variable name "B=C"/);
  });

  it("gives execs that add the same variables the same env, encoded again from the shared list", () => {
    const base = image("docker.io/library/debian:bookworm").withEnvList(Array.from({ length: 20 }, (_, i) => [`V${i}`, `${i}`] as const));
    const run = (args: string[]) => base.run({ args, env: { SOURCE_DATE_EPOCH: "0" } });
    const [a, b] = [run(["a"]), run(["b"])];
    const envOf = (st: State) => {
      const ops = decodeDefinition(st.marshal().encode()).def.map((d) => decodeOp(d));
      const exec = ops.find((o) => "exec" in o);
      return exec && "exec" in exec ? exec.exec.meta.env : undefined;
    };
    // Encoded twice from one cached list: the second must read as the first.
    expect(envOf(a.root())).toEqual([...Array.from({ length: 20 }, (_, i) => `V${i}=${i}`), "SOURCE_DATE_EPOCH=0"]);
    expect(envOf(b.root())).toEqual(envOf(a.root()));
    expect(envOf(a.root())).toEqual(envOf(b.root()));
    // A variable the env has is replaced in place: that list is no longer the env plus more.
    const replaced = base.run({ args: ["c"], env: { V3: "x", SOURCE_DATE_EPOCH: "0" } }).root();
    expect(envOf(replaced)).toEqual([...Array.from({ length: 20 }, (_, i) => (i === 3 ? "V3=x" : `V${i}=${i}`)), "SOURCE_DATE_EPOCH=0"]);
  });
});
