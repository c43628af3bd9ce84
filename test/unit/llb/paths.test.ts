import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolvePath } from "../../../llb/src/index.js";

describe("resolvePath", () => {
  it.each([
    ["/", "/opt/app/.venv/bin", "/opt/app/.venv/bin"],
    ["/", "/.hidden/..x/x../...", "/.hidden/..x/x../..."],
    ["/", "/a/./b", "/a/b"],
    ["/", "/a/../b", "/b"],
    ["/", "/a/..", "/"],
    ["/", "/a/.", "/a/"],
    ["/", "/a//b/", "/a/b/"],
    ["/", "/../..", "/"],
    ["/srv/", "src/./app", "/srv/src/app"],
    ["/srv", "../etc/", "/etc/"],
    ["/srv", ".", "/srv"],
  ])("resolves %s + %s to %s", (dir, p, want) => {
    expect(resolvePath(dir, p)).toBe(want);
  });

  const segment = fc.constantFrom("a", ".cache", ".", "..", "", "..x", "x..", "...");
  const path = fc.array(segment, { maxLength: 6 }).map((s) => s.join("/"));

  it("never leaves an empty, . or .. segment, and resolving again changes nothing", () => {
    fc.assert(
      fc.property(fc.boolean(), path, (absolute, p) => {
        const r = resolvePath("/base/dir", absolute ? `/${p}` : p);
        expect(r.startsWith("/")).toBe(true);
        const segments = r.split("/").slice(1);
        if (r.endsWith("/")) segments.pop();
        if (r !== "/") for (const s of segments) expect(["", ".", ".."]).not.toContain(s);
        expect(resolvePath("/elsewhere", r)).toBe(r);
      }),
      { numRuns: 2000 },
    );
  });
});
