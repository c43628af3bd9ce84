/**
 * Decodes LLB ops and Definitions back into the plain shapes of wire.ts, so that
 * `encodeOp(decodeOp(b))` reproduces `b` for canonical input (tools, tests, dump-llb style use).
 */
import type {
  PbChownOpt,
  PbDefinition,
  PbExecOp,
  PbFileAction,
  PbInput,
  PbLocation,
  PbMeta,
  PbMount,
  PbOp,
  PbOpMetadata,
  PbPlatform,
  PbRange,
  PbSource,
  PbSourceInfo,
  PbUserOpt,
} from "./wire.js";

const textDecoder = new TextDecoder();

type Field = { no: number; wire: number; int: number; bytes: Uint8Array };

/** Splits a message into its fields (varint values as numbers, length-delimited as bytes). */
function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let i = 0;
  const varint = (): number => {
    let lo = 0;
    let shift = 0;
    let big: bigint | undefined;
    for (;;) {
      if (i >= buf.length) throw new Error("truncated varint");
      const b = buf[i++]!;
      if (shift < 49) lo += (b & 0x7f) * 2 ** shift;
      else big = (big ?? BigInt(lo)) | (BigInt(b & 0x7f) << BigInt(shift));
      shift += 7;
      if (!(b & 0x80)) break;
      if (shift > 70) throw new Error("varint too long");
    }
    if (big !== undefined) return Number(BigInt.asIntN(64, big));
    return lo;
  };
  while (i < buf.length) {
    const tag = varint();
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) out.push({ no, wire, int: varint(), bytes: new Uint8Array() });
    else if (wire === 2) {
      const len = varint();
      if (i + len > buf.length) throw new Error("truncated field");
      out.push({ no, wire, int: 0, bytes: buf.subarray(i, i + len) });
      i += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

const str = (f: Field) => textDecoder.decode(f.bytes);
const all = (fs: Field[], no: number) => fs.filter((f) => f.no === no);
const one = (fs: Field[], no: number) => fs.filter((f) => f.no === no).pop();
const int = (fs: Field[], no: number) => one(fs, no)?.int ?? 0;
const s = (fs: Field[], no: number) => {
  const f = one(fs, no);
  return f ? str(f) : "";
};

function stringMap(fs: Field[], no: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of all(fs, no)) {
    const ef = fields(e.bytes);
    out[s(ef, 1)] = s(ef, 2);
  }
  return out;
}

function opt<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) {
    const v = o[k];
    if (v === undefined || v === "" || v === 0 || v === false || (Array.isArray(v) && v.length === 0)) delete o[k];
  }
  return o;
}

function platform(b: Uint8Array): PbPlatform {
  const f = fields(b);
  return opt({ architecture: s(f, 1), os: s(f, 2), variant: s(f, 3), osVersion: s(f, 4), osFeatures: all(f, 5).map(str) }) as PbPlatform;
}

function meta(b: Uint8Array): PbMeta {
  const f = fields(b);
  const proxy = one(f, 5);
  const p = proxy ? fields(proxy.bytes) : undefined;
  const m: PbMeta = {
    args: all(f, 1).map(str),
    env: all(f, 2).map(str),
    cwd: s(f, 3),
    user: s(f, 4),
    ...(p ? { proxyEnv: opt({ httpProxy: s(p, 1), httpsProxy: s(p, 2), ftpProxy: s(p, 3), noProxy: s(p, 4), allProxy: s(p, 5) }) } : {}),
    extraHosts: all(f, 6).map((h) => {
      const hf = fields(h.bytes);
      return { host: s(hf, 1), ip: s(hf, 2) };
    }),
    hostname: s(f, 7),
    ulimit: all(f, 9).map((u) => {
      const uf = fields(u.bytes);
      return { name: s(uf, 1), soft: int(uf, 2), hard: int(uf, 3) };
    }),
    cgroupParent: s(f, 10),
    removeMountStubsRecursive: int(f, 11) === 1,
    validExitCodes: all(f, 12).flatMap((x) => (x.wire === 2 ? fields(prefixPacked(x.bytes)).map((y) => y.int) : [x.int])),
  };
  return opt(m);
}

/** Packed varints re-tagged as field 1 so `fields` can read them. */
function prefixPacked(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    out.push(0x08);
    do out.push(bytes[i]!);
    while (bytes[i++]! & 0x80);
  }
  return new Uint8Array(out);
}

function idOpt(b: Uint8Array) {
  const f = fields(b);
  return opt({ id: s(f, 1), uid: int(f, 2), gid: int(f, 3), mode: int(f, 4), optional: int(f, 5) === 1 }) as { id: string };
}

function mount(b: Uint8Array): PbMount {
  const f = fields(b);
  const m: PbMount = { input: int(f, 1), selector: s(f, 2), dest: s(f, 3), output: int(f, 4), readonly: int(f, 5) === 1, mountType: int(f, 6) };
  const tmpfs = one(f, 19);
  if (tmpfs) m.tmpfsOpt = opt({ size: int(fields(tmpfs.bytes), 1) });
  const cache = one(f, 20);
  if (cache) {
    const cf = fields(cache.bytes);
    m.cacheOpt = opt({ id: s(cf, 1), sharing: int(cf, 2) }) as { id: string };
  }
  const secret = one(f, 21);
  if (secret) m.secretOpt = idOpt(secret.bytes);
  const ssh = one(f, 22);
  if (ssh) m.sshOpt = idOpt(ssh.bytes);
  m.resultId = s(f, 23);
  m.contentCache = int(f, 24);
  // input/output are kept even when 0: encoders skip zeros anyway.
  const { input, output, ...rest } = m;
  return { input, output, ...opt(rest) } as PbMount;
}

function exec(b: Uint8Array): PbExecOp {
  const f = fields(b);
  return opt({
    meta: meta(one(f, 1)?.bytes ?? new Uint8Array()),
    mounts: all(f, 2).map((m) => mount(m.bytes)),
    network: int(f, 3),
    security: int(f, 4),
    secretEnv: all(f, 5).map((x) => {
      const xf = fields(x.bytes);
      return opt({ id: s(xf, 1), name: s(xf, 2), optional: int(xf, 3) === 1 }) as { id: string; name: string };
    }),
    cdiDevices: all(f, 6).map((x) => {
      const xf = fields(x.bytes);
      return opt({ name: s(xf, 1), optional: int(xf, 2) === 1 }) as { name: string };
    }),
  }) as PbExecOp;
}

function userOpt(b: Uint8Array): PbUserOpt {
  const f = fields(b);
  const byName = one(f, 1);
  if (byName) {
    const nf = fields(byName.bytes);
    return { byName: { name: s(nf, 1), input: int(nf, 2) } };
  }
  return { byId: int(f, 2) };
}

function chown(f: Field | undefined): { owner?: PbChownOpt } {
  if (!f) return {};
  const cf = fields(f.bytes);
  const u = one(cf, 1);
  const g = one(cf, 2);
  return { owner: { ...(u ? { user: userOpt(u.bytes) } : {}), ...(g ? { group: userOpt(g.bytes) } : {}) } };
}

function fileAction(b: Uint8Array): PbFileAction {
  const f = fields(b);
  const head = { input: int(f, 1), secondaryInput: int(f, 2), output: int(f, 3) };
  const body = f.find((x) => x.no >= 4 && x.no <= 8);
  if (!body) throw new Error("file action without a body");
  const bf = fields(body.bytes);
  switch (body.no) {
    case 4:
      return {
        ...head,
        copy: {
          src: s(bf, 1),
          dest: s(bf, 2),
          ...chown(one(bf, 3)),
          mode: int(bf, 4),
          ...opt({
            followSymlink: int(bf, 5) === 1,
            dirCopyContents: int(bf, 6) === 1,
            attemptUnpackDockerCompatibility: int(bf, 7) === 1,
            createDestPath: int(bf, 8) === 1,
            allowWildcard: int(bf, 9) === 1,
            allowEmptyWildcard: int(bf, 10) === 1,
          }),
          timestamp: int(bf, 11),
          ...opt({
            includePatterns: all(bf, 12).map(str),
            excludePatterns: all(bf, 13).map(str),
            alwaysReplaceExistingDestPaths: int(bf, 14) === 1,
            modeStr: s(bf, 15),
            requiredPaths: all(bf, 16).map(str),
          }),
        },
      };
    case 5:
      return { ...head, mkfile: { path: s(bf, 1), mode: int(bf, 2), data: one(bf, 3)?.bytes ?? new Uint8Array(), ...chown(one(bf, 4)), timestamp: int(bf, 5) } };
    case 6:
      return { ...head, mkdir: { path: s(bf, 1), mode: int(bf, 2), makeParents: int(bf, 3) === 1, ...chown(one(bf, 4)), timestamp: int(bf, 5) } };
    case 7:
      return { ...head, rm: { path: s(bf, 1), allowNotFound: int(bf, 2) === 1, allowWildcard: int(bf, 3) === 1 } };
    default:
      return { ...head, symlink: { oldpath: s(bf, 1), newpath: s(bf, 2), ...chown(one(bf, 3)), timestamp: int(bf, 4) } };
  }
}

/** Decodes one marshaled Op. */
export function decodeOp(bytes: Uint8Array): PbOp {
  const f = fields(bytes);
  const inputs: PbInput[] = all(f, 1).map((x) => {
    const xf = fields(x.bytes);
    return { digest: s(xf, 1), index: int(xf, 2) };
  });
  const plat = one(f, 10);
  const cons = one(f, 11);
  const base = {
    ...(inputs.length ? { inputs } : {}),
    ...(plat ? { platform: platform(plat.bytes) } : {}),
    ...(cons ? { constraints: opt({ filter: all(fields(cons.bytes), 1).map(str) }) } : {}),
  };
  const body = f.find((x) => x.no >= 2 && x.no <= 8);
  if (!body) return { ...base, terminal: true };
  const bf = fields(body.bytes);
  switch (body.no) {
    case 2:
      return { ...base, exec: exec(body.bytes) };
    case 3: {
      const attrs = stringMap(bf, 2);
      return { ...base, source: Object.keys(attrs).length ? { identifier: s(bf, 1), attrs } : { identifier: s(bf, 1) } };
    }
    case 4:
      return { ...base, file: { actions: all(bf, 2).map((a) => fileAction(a.bytes)) } };
    case 6:
      return { ...base, merge: { inputs: all(bf, 1).map((x) => int(fields(x.bytes), 1)) } };
    case 7:
      return { ...base, diff: { lower: int(fields(one(bf, 1)?.bytes ?? new Uint8Array()), 1), upper: int(fields(one(bf, 2)?.bytes ?? new Uint8Array()), 1) } };
    default:
      throw new Error(`unsupported op kind (field ${body.no})`);
  }
}

function opMetadata(b: Uint8Array): PbOpMetadata {
  const f = fields(b);
  const md: { -readonly [K in keyof PbOpMetadata]: PbOpMetadata[K] } = {};
  if (int(f, 1) === 1) md.ignoreCache = true;
  const description = stringMap(f, 2);
  if (Object.keys(description).length) md.description = description;
  const ec = one(f, 4);
  if (ec) md.exportCache = { value: int(fields(ec.bytes), 1) === 1 };
  const caps: Record<string, boolean> = {};
  for (const e of all(f, 5)) {
    const ef = fields(e.bytes);
    caps[s(ef, 1)] = int(ef, 2) === 1;
  }
  md.caps = caps;
  const pg = one(f, 6);
  if (pg) {
    const pf = fields(pg.bytes);
    md.progressGroup = opt({ id: s(pf, 1), name: s(pf, 2), weak: int(pf, 3) === 1 }) as { id: string };
  }
  return md;
}

function position(b: Uint8Array | undefined) {
  const f = fields(b ?? new Uint8Array());
  return { line: int(f, 1), character: int(f, 2) };
}

function source(b: Uint8Array): PbSource {
  const f = fields(b);
  const locations: Record<string, PbLocation[]> = {};
  for (const e of all(f, 1)) {
    const ef = fields(e.bytes);
    locations[s(ef, 1)] = all(fields(one(ef, 2)?.bytes ?? new Uint8Array()), 1).map((l) => {
      const lf = fields(l.bytes);
      return {
        sourceIndex: int(lf, 1),
        ranges: all(lf, 2).map((r): PbRange => {
          const rf = fields(r.bytes);
          return { start: position(one(rf, 1)?.bytes), end: position(one(rf, 2)?.bytes) };
        }),
      };
    });
  }
  const infos = all(f, 2).map((i): PbSourceInfo => {
    const inf = fields(i.bytes);
    const def = one(inf, 3);
    return opt({ filename: s(inf, 1), data: one(inf, 2)?.bytes, ...(def ? { definition: decodeDefinition(def.bytes) } : {}), language: s(inf, 4) }) as PbSourceInfo;
  });
  return { locations, infos };
}

/** Decodes a Definition message. */
export function decodeDefinition(bytes: Uint8Array): PbDefinition {
  const f = fields(bytes);
  const metadata: Record<string, PbOpMetadata> = {};
  for (const e of all(f, 2)) {
    const ef = fields(e.bytes);
    metadata[s(ef, 1)] = opMetadata(one(ef, 2)?.bytes ?? new Uint8Array());
  }
  const src = one(f, 3);
  return { def: all(f, 1).map((d) => d.bytes.slice()), metadata, ...(src ? { source: source(src.bytes) } : {}) };
}
