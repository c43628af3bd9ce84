import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HashRing } from "../../../client/src/ring.js";

const nodes = ["tcp://buildkitd-0.buildkitd:1234", "tcp://buildkitd-1.buildkitd:1234", "tcp://buildkitd-2.buildkitd:1234", "tcp://buildkitd-3.buildkitd:1234"];
const keys = Array.from({ length: 400 }, (_, i) => createHash("sha256").update(`spec ${i}`).digest("hex"));

describe("HashRing", () => {
  it("sends the same key to the same node, whatever the order nodes are given in", () => {
    const a = new HashRing(nodes);
    const b = new HashRing([...nodes].reverse());
    for (const k of keys) expect(b.pick(k)).toBe(a.pick(k));
  });

  it("spreads keys over every node", () => {
    const ring = new HashRing(nodes);
    const counts = new Map<string, number>();
    for (const k of keys) counts.set(ring.pick(k), (counts.get(ring.pick(k)) ?? 0) + 1);
    expect(counts.size).toBe(nodes.length);
  });

  it("moves only the removed node's keys, each to the next node in its order", () => {
    const full = new HashRing(nodes);
    const removed = nodes[1]!;
    const less = new HashRing(nodes.filter((n) => n !== removed));
    let moved = 0;
    for (const k of keys) {
      const before = full.pick(k);
      if (before === removed) {
        moved++;
        expect(less.pick(k)).toBe(full.order(k)[1]);
      } else expect(less.pick(k)).toBe(before);
    }
    expect(moved).toBeGreaterThan(0);
  });

  it("orders every node once, starting with the picked one", () => {
    const ring = new HashRing(nodes);
    for (const k of keys.slice(0, 20)) {
      const order = ring.order(k);
      expect(order[0]).toBe(ring.pick(k));
      expect([...order].sort()).toEqual([...nodes].sort());
    }
  });

  it("places points as serialx/hashring does: the first MD5 point above the key's, wrapping", () => {
    // Two nodes: each key goes to the node whose MD5("<node>-0") is the least one above MD5(key).
    const md5 = (s: string) => {
      const d = createHash("md5").update(s).digest();
      return [d.readBigInt64LE(0), d.readBigInt64LE(8)] as const;
    };
    const above = (p: readonly [bigint, bigint], k: readonly [bigint, bigint]) => p[0] > k[0] || (p[0] === k[0] && p[1] > k[1]);
    const pts = ["a", "b"].map((n) => ({ n, h: md5(`${n}-0`) })).sort((x, y) => (above(x.h, y.h) ? 1 : -1));
    const ring = new HashRing(["a", "b"]);
    for (const k of keys.slice(0, 50)) {
      const h = md5(k);
      expect(ring.pick(k)).toBe((pts.find((p) => above(p.h, h)) ?? pts[0]!).n);
    }
  });

  it("needs a node", () => {
    expect(() => new HashRing([])).toThrow();
  });
});
