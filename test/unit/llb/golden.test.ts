import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FileAction, diff, image, local, merge, scratch, SourceMap, type Definition, type PbOpMetadata, type Platform } from "../../../llb/src/index.js";
import { goldenPath } from "../../support/paths.js";
import { loadProtoRoot } from "../../support/proto.js";

const DefinitionType = loadProtoRoot().lookupType("pb.Definition");

interface GoldenOp {
  digest: string;
  bytes_base64: string;
  metadata_protojson: Record<string, unknown>;
}
interface GoldenCase {
  name: string;
  construct: string;
  ops: GoldenOp[];
  terminal_input_digest: string;
  definition_base64: string;
}

const golden: GoldenCase[] = JSON.parse(readFileSync(goldenPath(), "utf8"));
const amd64: Platform = { os: "linux", architecture: "amd64" };
const arm64: Platform = { os: "linux", architecture: "arm64" };

/** The `local.unique` attr Go chose at random when the golden data was made. */
function uniqueIdIn(c: GoldenCase): string {
  const dec = Buffer.from(c.definition_base64, "base64").toString("latin1");
  const m = /local\.unique\x12\x19([a-z0-9]{25})/.exec(dec);
  if (!m) throw new Error(`no local.unique in ${c.name}`);
  return m[1]!;
}

const constructions: Record<string, (c: GoldenCase) => Definition> = {
  "image-basic": () => image("docker.io/library/python:3.12-slim").marshal({ platform: amd64 }),
  "image-arm64-pull": () => image("python:3.12-slim", { resolveMode: "pull", platform: arm64 }).marshal(),
  "local-context": (c) =>
    local("context", {
      includePatterns: ["requirements.txt", "src/**"],
      excludePatterns: ["**/__pycache__"],
      sharedKeyHint: "context",
      customName: "load build context",
      uniqueId: uniqueIdIn(c),
    }).marshal({ platform: amd64 }),
  "exec-basic": () =>
    image("docker.io/library/debian:bookworm")
      .withEnv("PATH", "/usr/bin:/bin")
      .withEnv("FOO", "bar")
      .withCwd("/work")
      .withUser("1000:1000")
      .run({ args: ["/bin/sh", "-c", "echo hi > /x"], customName: "say hi" })
      .marshal({ platform: amd64 }),
  "exec-mounts": (c) =>
    image("docker.io/library/debian:bookworm")
      .run({
        args: ["apt-get", "install", "-y", "curl"],
        network: "host",
        mounts: [
          { type: "cache", dest: "/var/cache/apt", id: "apt", sharing: "locked" },
          { type: "cache", dest: "/var/lib/apt/lists", id: "apt-lists", sharing: "shared" },
          { type: "secret", dest: "/root/.netrc", id: "netrc", optional: true, mode: 0o400, uid: 0, gid: 0 },
          { type: "tmpfs", dest: "/tmp" },
          {
            type: "bind",
            dest: "/mnt/requirements.txt",
            source: local("context", { uniqueId: uniqueIdIn(c) }),
            selector: "requirements.txt",
            readonly: true,
          },
          { type: "ssh", id: "default", dest: "/run/ssh.sock" },
        ],
      })
      .marshal({ platform: amd64 }),
  "exec-output-mount": () =>
    image("docker.io/library/debian:bookworm")
      .run({ args: ["sh", "-c", "cp -r /src /out/x"], mounts: [{ type: "bind", dest: "/out", source: scratch() }] })
      .getMount("/out")
      .marshal({ platform: amd64 }),
  "file-ops": () =>
    scratch()
      .file(
        FileAction.mkdir("/app", 0o755, { parents: true })
          .mkfile("/app/hello.txt", 0o644, "hello\n")
          .rm("/app/tmp", { allowNotFound: true })
          .symlink("/app/hello.txt", "/app/link"),
        { customName: "prepare /app" },
      )
      .marshal({ platform: amd64 }),
  "copy-from-local": (c) =>
    image("docker.io/library/python:3.12-slim")
      .copy(local("context", { uniqueId: uniqueIdIn(c) }), "src", "/root/src", {
        copyDirContentsOnly: true,
        createDestPath: true,
        allowWildcard: true,
        followSymlinks: true,
        owner: { user: 1000, group: 1000 },
        includePatterns: ["**/*.py"],
        excludePatterns: ["**/test_*"],
      })
      .marshal({ platform: amd64 }),
  "merge-diff": () => {
    const base = image("docker.io/library/debian:bookworm");
    const a = base.run({ args: ["sh", "-c", "echo a > /a"] });
    const b = base.run({ args: ["sh", "-c", "echo b > /b"] });
    return merge([base, diff(base, a), diff(base, b)], { customName: "merge layers" }).marshal({ platform: amd64 });
  },
  "ignore-cache-progress-group": () =>
    image("docker.io/library/debian:bookworm")
      .run({ args: ["true"], ignoreCache: true, progressGroup: { id: "pg1", name: "install" } })
      .marshal({ platform: amd64 }),
  "source-map": () => {
    const sm = new SourceMap("spec.json", '{\n  "layers": []\n}\n', "json");
    return image("docker.io/library/debian:bookworm")
      .run({ args: ["true"], sourceLocations: [sm.location({ start: { line: 2, character: 0 }, end: { line: 2, character: 14 } })] })
      .marshal({ platform: amd64 });
  },
};

/** Our metadata in the golden file's protojson shape (proto field names). */
function metadataAsProtoJson(md: PbOpMetadata): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (md.ignoreCache) out.ignore_cache = true;
  if (md.description) out.description = md.description;
  if (md.exportCache) out.export_cache = md.exportCache.value ? { Value: true } : {};
  if (md.caps && Object.keys(md.caps).length > 0) out.caps = md.caps;
  if (md.progressGroup) out.progress_group = md.progressGroup;
  return out;
}

/**
 * The Definition decoded with our .proto files: `def` stays a list of exact op bytes, maps
 * become objects. Go marshals a Definition's maps (metadata, caps, source locations) in random
 * iteration order, as the golden files show, so entry order carries no meaning; every entry
 * and every op byte must still match.
 */
function decodedDefinition(bytes: Uint8Array): Record<string, unknown> {
  const msg = DefinitionType.decode(bytes);
  return DefinitionType.toObject(msg, { longs: String, enums: String, bytes: String, defaults: false });
}

interface RawField {
  field: number;
  bytes: Uint8Array;
}

function rawFields(buf: Uint8Array): RawField[] {
  const out: RawField[] = [];
  let i = 0;
  const varint = () => {
    let result = 0;
    let shift = 1;
    for (;;) {
      const b = buf[i++]!;
      result += (b & 0x7f) * shift;
      shift *= 128;
      if (!(b & 0x80)) return result;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    if ((tag & 7) !== 2) throw new Error(`unexpected wire type ${tag & 7} at top level`);
    const len = varint();
    out.push({ field: Math.floor(tag / 8), bytes: buf.subarray(i, i + len) });
    i += len;
  }
  return out;
}

describe("LLB encoding matches BuildKit's Go library byte for byte", () => {
  it("covers every golden case", () => {
    expect(golden.map((c) => c.name).sort()).toEqual(Object.keys(constructions).sort());
  });

  for (const c of golden) {
    describe(c.name, () => {
      const build = constructions[c.name]!;

      it("produces the same ops, in the same order, with the same digests", () => {
        const def = build(c);
        expect(def.def.map((b) => Buffer.from(b).toString("base64"))).toEqual(c.ops.map((o) => o.bytes_base64));
        expect(def.digests).toEqual(c.ops.map((o) => o.digest));
        expect(def.head).toBe(c.terminal_input_digest);
      });

      it("produces the same metadata for every op", () => {
        const def = build(c);
        for (const op of c.ops) {
          expect(metadataAsProtoJson(def.metadata.get(op.digest)!)).toEqual(op.metadata_protojson);
        }
        expect([...def.metadata.keys()].sort()).toEqual(c.ops.map((o) => o.digest).sort());
      });

      it("encodes the whole Definition identically (map entries in any order)", () => {
        const ours = decodedDefinition(build(c).encode());
        const theirs = decodedDefinition(Buffer.from(c.definition_base64, "base64"));
        expect(ours).toEqual(theirs);
        expect((ours.def as string[]).length).toBe(c.ops.length);
      });

      it("writes map entries sorted by key, so our own encoding is canonical", () => {
        const top = rawFields(build(c).encode()).filter((f) => f.field === 2);
        const keys = top.map((f) => Buffer.from(rawFields(f.bytes)[0]!.bytes).toString());
        expect(keys).toEqual([...keys].sort());
      });

      it("is deterministic across runs", () => {
        expect(Buffer.from(build(c).encode())).toEqual(Buffer.from(build(c).encode()));
      });
    });
  }
});
