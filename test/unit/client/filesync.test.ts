import { chmodSync, linkSync, readFileSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeFilter, type FilterOptions } from "../../../client/src/filesync/filter.js";
import { parseDockerignore } from "../../../common/src/context/dockerignore.js";
import { sendFiles, type PacketConn } from "../../../client/src/filesync/sender.js";
import { walk } from "../../../client/src/filesync/walk.js";
import { decodePacket, encodePacket, PacketType, type Packet } from "../../../client/src/filesync/wire.js";
import { messageType } from "../../../client/src/proto.js";

const DIR = 0x80000000;
const LINK = 0x08000000;
/** Go FileMode bits as an unsigned uint32 (a JS `|` would make bit 31 negative). */
const go = (type: number, perm: number) => (type | perm) >>> 0;
const big = Buffer.alloc(100 * 1024, 0);
for (let i = 0; i < big.length; i++) big[i] = i % 251;

function fixture(): string {
  const root = mkdtempSync(join(tmpdir(), "fsync-"));
  const file = (p: string, data: string | Buffer, mode = 0o644) => {
    writeFileSync(join(root, p), data);
    chmodSync(join(root, p), mode);
  };
  file(".dockerignore", "# build output\n*.log\n!keep.log\nbuild\n");
  mkdirSync(join(root, "a"));
  chmodSync(join(root, "a"), 0o755);
  file("a/x", "x-data");
  file("a-b", "ab", 0o600);
  file("a.txt", "");
  file("big.bin", big, 0o755);
  mkdirSync(join(root, "build"));
  file("build/out", "o");
  file("debug.log", "d");
  linkSync(join(root, "a-b"), join(root, "hard"));
  file("keep.log", "k");
  symlinkSync("a/x", join(root, "link"));
  mkdirSync(join(root, "sub/deep"), { recursive: true });
  chmodSync(join(root, "sub"), 0o750);
  chmodSync(join(root, "sub/deep"), 0o700);
  file("sub/deep/f", "deep");
  utimesSync(join(root, "a/x"), 1_700_000_000.5, 1_700_000_000.5);
  return root;
}

/**
 * A receiver that behaves as fsutil's: reads STATs to the empty packet, requests files (here in
 * reverse order), reads each to its empty DATA, then sends FIN and expects FIN back.
 */
function scriptedReceiver(wanted: (stats: Packet[]) => number[]) {
  const wire: Buffer[] = [];
  const stats: Packet[] = [];
  const data = new Map<number, Buffer[]>();
  let finBack = false;
  let endOfStats = -1;
  const inbox: Packet[] = [];
  let wake: (() => void) | undefined;
  const push = (p: Packet) => {
    inbox.push(p);
    wake?.();
  };
  let open = new Set<number>();
  const conn: PacketConn = {
    async send(p) {
      const bytes = encodePacket(p);
      wire.push(bytes);
      const got = decodePacket(bytes);
      if (got.type === PacketType.STAT && !got.stat) {
        endOfStats = wire.length - 1;
        const ids = wanted(stats);
        open = new Set(ids);
        for (const id of ids) push({ type: PacketType.REQ, id });
        if (ids.length === 0) push({ type: PacketType.FIN });
      } else if (got.type === PacketType.STAT) stats.push(got);
      else if (got.type === PacketType.DATA) {
        const id = got.id ?? 0;
        if (!open.has(id)) throw new Error(`DATA for ${id}, never requested or already closed`);
        if (!got.data?.length) {
          open.delete(id);
          if (open.size === 0) push({ type: PacketType.FIN });
        } else data.set(id, [...(data.get(id) ?? []), Buffer.from(got.data)]);
      } else if (got.type === PacketType.FIN) finBack = true;
    },
    incoming: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          while (inbox.length) yield inbox.shift()!;
          await new Promise<void>((r) => (wake = r));
        }
      },
    },
  };
  return { conn, wire, stats, data, result: () => ({ finBack, endOfStats }) };
}

async function transfer(root: string, o: FilterOptions, extra: string[][] = [], wanted = (s: Packet[]) => s.map((_, i) => i).filter((i) => (s[i]!.stat!.mode & 0xfff00000) === 0 && !s[i]!.stat!.linkname).reverse()) {
  const r = scriptedReceiver(wanted);
  await sendFiles(walk(root, await makeFilter(root, o, extra)), r.conn);
  return r;
}

const paths = (stats: Packet[]) => stats.map((p) => p.stat!.path);

describe("filesync sender", () => {
  it("sends stats depth-first in byte order, with Go modes, then data, and answers FIN", async () => {
    const root = fixture();
    const r = await transfer(root, {}, [parseDockerignore(readFileSync(join(root, ".dockerignore"), "utf8"))]);
    expect(r.stats.map((p) => [p.stat!.path, p.stat!.mode.toString(8)])).toEqual(
      [
        [".dockerignore", 0o644],
        ["a", go(DIR, 0o755)],
        ["a/x", 0o644],
        ["a-b", 0o600],
        ["a.txt", 0o644],
        ["big.bin", 0o755],
        ["hard", 0o600],
        ["keep.log", 0o644],
        ["link", go(LINK, 0o777)],
        ["sub", go(DIR, 0o750)],
        ["sub/deep", go(DIR, 0o700)],
        ["sub/deep/f", 0o644],
      ].map(([p, m]) => [p, (m as number).toString(8)]),
    );
    const byPath = Object.fromEntries(r.stats.map((p) => [p.stat!.path, p.stat!]));
    expect(byPath["hard"]).toMatchObject({ linkname: "a-b" });
    expect(byPath["hard"]!.size).toBeUndefined();
    expect(byPath["link"]).toMatchObject({ linkname: "a/x", size: 3n });
    expect(byPath["big.bin"]).toMatchObject({ size: BigInt(big.length) });
    expect(byPath["a"]!.size).toBeUndefined();
    expect(byPath["a/x"]!.modTime).toBe(1_700_000_000_500_000_000n);
    expect(byPath["a/x"]!.uid).toBeUndefined();

    // Data for every requested regular file, by id (= index among all stats), big.bin in 32 KiB chunks.
    const id = (p: string) => paths(r.stats).indexOf(p);
    expect(r.data.get(id("big.bin"))!.map((b) => b.length)).toEqual([32768, 32768, 32768, 4096]);
    expect(Buffer.concat(r.data.get(id("big.bin"))!).equals(big)).toBe(true);
    expect(Buffer.concat(r.data.get(id("a/x"))!).toString()).toBe("x-data");
    expect(Buffer.concat(r.data.get(id("sub/deep/f"))!).toString()).toBe("deep");
    expect(r.data.has(id("a.txt"))).toBe(false);
    expect(r.result().finBack).toBe(true);
    // The end of the stats is an empty message (not a STAT with an empty stat), and FIN is last.
    expect(r.wire[r.result().endOfStats]!.length).toBe(0);
    expect(r.wire.at(-1)).toEqual(encodePacket({ type: PacketType.FIN }));
  });

  it("writes packets protobufjs reads as fsutil.types.Packet", () => {
    const Packet = messageType("fsutil.types.Packet");
    const bytes = encodePacket({ type: PacketType.STAT, stat: { path: "a/x", mode: go(DIR, 0o755), size: 12n, modTime: -5n, linkname: "t" } });
    const obj = Packet.toObject(Packet.decode(bytes), { longs: String, defaults: false });
    expect(obj).toEqual({ stat: { path: "a/x", mode: go(DIR, 0o755), size: "12", modTime: "-5", linkname: "t" } });
    const data = Packet.toObject(Packet.decode(encodePacket({ type: PacketType.DATA, id: 7, data: Buffer.from("hi") })), { bytes: String });
    expect(data).toEqual({ type: PacketType.DATA, ID: 7, data: Buffer.from("hi").toString("base64") });
    expect(decodePacket(Packet.encode(Packet.fromObject({ type: 1, ID: 300 })).finish())).toEqual({ type: PacketType.REQ, id: 300 });
  });

  it("sends only what include patterns and follow paths select, parents lazily and first", async () => {
    const root = fixture();
    const inc = await transfer(root, { includePatterns: ["sub/deep/f", "a"] });
    expect(paths(inc.stats)).toEqual(["a", "a/x", "sub", "sub/deep", "sub/deep/f"]);
    const follow = await transfer(root, { followPaths: ["link"] });
    expect(paths(follow.stats)).toEqual(["a", "a/x", "link"]);
    const none = await transfer(root, { includePatterns: ["nothing"] });
    expect(paths(none.stats)).toEqual([]);
    expect(none.result().finBack).toBe(true);
  });

  it("applies exclude patterns with ! re-inclusion, and each exclude list on its own", async () => {
    const root = fixture();
    const r = await transfer(root, { excludePatterns: ["sub", "!sub/deep/f", "**/*.bin", "a*"] });
    expect(paths(r.stats)).toEqual([".dockerignore", "build", "build/out", "debug.log", "hard", "keep.log", "link", "sub", "sub/deep", "sub/deep/f"]);
    const two = await transfer(root, { excludePatterns: ["*.log"] }, [["!debug.log", "build"]]);
    expect(paths(two.stats)).not.toContain("debug.log");
    expect(paths(two.stats)).not.toContain("build");
  });

  it("fails on a request for an unknown or already sent id, and on an ERR from the receiver", async () => {
    const root = fixture();
    await expect(transfer(root, {}, [], () => [999])).rejects.toThrow("invalid file id 999");
    await expect(transfer(root, {}, [], () => [0, 0])).rejects.toThrow("invalid file id 0");
    await expect(transfer(root, {}, [], () => [1])).rejects.toThrow("invalid file id 1");
    const r = scriptedReceiver(() => []);
    const conn: PacketConn = {
      send: r.conn.send,
      incoming: (async function* () {
        yield { type: PacketType.ERR, data: Buffer.from("disk full") };
      })(),
    };
    await expect(sendFiles(walk(root, await makeFilter(root, {})), conn)).rejects.toThrow("the receiver failed: disk full");
  });

  it("reports a walk failure to the receiver as ERR", async () => {
    const sent: Packet[] = [];
    const silent = (async function* (): AsyncGenerator<Packet> {
      await new Promise(() => undefined);
    })();
    const conn: PacketConn = { send: async (p) => void sent.push(p), incoming: silent };
    await expect(sendFiles(walk("/nonexistent/dir", await makeFilter("/", {})), conn)).rejects.toThrow(/ENOENT/);
    expect(sent.map((p) => p.type)).toEqual([PacketType.ERR]);
  });
});
