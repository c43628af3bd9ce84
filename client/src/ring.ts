/**
 * A consistent-hash ring over builder addresses, laid out as buildx's sticky pod chooser lays
 * out its pods (serialx/hashring, weight 1): one point per node at MD5("<node>-0"), read as two
 * little-endian int64s (high, low); a key goes to the first point above MD5(key), wrapping.
 */
import { createHash } from "node:crypto";

interface Point {
  high: bigint;
  low: bigint;
  node: string;
}

function hashKey(text: string): { high: bigint; low: bigint } {
  const d = createHash("md5").update(text, "utf8").digest();
  return { high: d.readBigInt64LE(0), low: d.readBigInt64LE(8) };
}

const compare = (a: { high: bigint; low: bigint }, b: { high: bigint; low: bigint }) =>
  a.high !== b.high ? (a.high < b.high ? -1 : 1) : a.low === b.low ? 0 : a.low < b.low ? -1 : 1;

export class HashRing {
  private readonly points: Point[];

  constructor(nodes: readonly string[]) {
    const unique = [...new Set(nodes)];
    if (unique.length === 0) throw new Error("a ring needs at least one node");
    this.points = unique.map((node) => ({ ...hashKey(`${node}-0`), node })).sort(compare);
  }

  /** Every node, starting with the key's own and going round the ring: the order to fall over in. */
  order(key: string): string[] {
    const h = hashKey(key);
    let start = this.points.findIndex((p) => compare(p, h) > 0);
    if (start < 0) start = 0;
    return this.points.map((_, i) => this.points[(start + i) % this.points.length]!.node);
  }

  pick(key: string): string {
    return this.order(key)[0]!;
  }
}
