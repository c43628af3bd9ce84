import { describe, expect, it } from "vitest";
import { installOrder, layoutLayers, type LayoutEntry } from "../../../frontend/optimize/layout.js";

const MB = 1 << 20;
function entry(id: string, size: number, order: number, over: Partial<LayoutEntry> = {}): LayoutEntry {
  return { id, size, order, app: false, files: [`site-packages/${id}/__init__.py`], ...over };
}
const ids = (groups: ReturnType<typeof layoutLayers>) => groups.map((g) => g.members.map((m) => m.id));

describe("layer layout", () => {
  const ml = [entry("requests", 0.2 * MB, 0), entry("torch", 700 * MB, 1), entry("numpy", 40 * MB, 2), entry("six", 0.01 * MB, 3), entry("pandas", 60 * MB, 4)];

  it("gives every distribution its own layer within budget, largest first", () => {
    expect(ids(layoutLayers(ml, 10))).toEqual([["torch"], ["pandas"], ["numpy"], ["requests"], ["six"]]);
  });

  it("over budget keeps the largest on their own and puts the long tail in one layer, in install order", () => {
    const groups = layoutLayers(ml, 3);
    expect(ids(groups)).toEqual([["torch"], ["pandas"], ["requests", "numpy", "six"]]);
    expect(groups.map((g) => g.tail)).toEqual([false, false, true]);
    expect(ids(layoutLayers(ml, 1))).toEqual([["requests", "torch", "numpy", "six", "pandas"]]);
  });

  it("keeps the big layers in place when a light package is added, so only the new one is new", () => {
    const before = ids(layoutLayers(ml, 64));
    const after = ids(layoutLayers([...ml, entry("zipp", 0.05 * MB, 5)], 64));
    expect(after.filter(([id]) => id !== "zipp")).toEqual(before);
    expect(after.slice(0, 3)).toEqual(before.slice(0, 3));
  });

  it("puts distributions that write the same file in one layer, the later install last, whatever their sizes", () => {
    const a = entry("nvshmem-cu12", 300 * MB, 0, { files: ["lib/libnvshmem.so", "a/x.py"] });
    const b = entry("nvshmem-cu13", 10 * MB, 1, { files: ["lib/libnvshmem.so", "b/x.py"] });
    const groups = layoutLayers([b, entry("other", 50 * MB, 2), a].map((e) => e), 64);
    expect(ids(groups)).toEqual([["nvshmem-cu12", "nvshmem-cu13"], ["other"]]);
    expect(groups[0]!.size).toBe(310 * MB);
  });

  it("lays the build context's own wheels out last, and breaks size ties by name", () => {
    const groups = layoutLayers([entry("app", 90 * MB, 0, { app: true }), entry("b", 1 * MB, 1), entry("a", 1 * MB, 2)], 64);
    expect(ids(groups)).toEqual([["a"], ["b"], ["app"]]);
  });

  it("is empty for no distributions", () => {
    expect(layoutLayers([], 5)).toEqual([]);
  });
});

describe("install order", () => {
  it("puts a dependency before what needs it, and survives cycles", () => {
    const d = (key: string, requires: string[]) => ({ key, requires });
    const order = installOrder([d("pandas", ["numpy", "python-dateutil"]), d("python-dateutil", ["six"]), d("numpy", []), d("six", []), d("a", ["b"]), d("b", ["a"])]);
    expect(order.map((x) => x.key)).toEqual(["numpy", "six", "python-dateutil", "pandas", "b", "a"]);
  });
});
