import { describe, expect, it } from "vitest";
import type { ResolvedDist } from "../../../frontend/optimize/resolution.js";
import { triage } from "../../../frontend/optimize/triage.js";

function dist(name: string, version: string, source: ResolvedDist["source"] = { kind: "wheel", filename: `${name}-${version}-py3-none-any.whl`, sha256: [], fromContext: false }): ResolvedDist {
  return { name, key: name, version, requested: false, source, requires: [] };
}

describe("triage: what a layer installs package by package", () => {
  it("skips what the base image has at that version or an earlier layer pinned, and marks an upgrade of the base", () => {
    const t = triage({ dists: [dist("pip", "23.0.1"), dist("setuptools", "84.0.0"), dist("numpy", "2.4.6"), dist("zipp", "3.23.0")], installed: { pip: "23.0.1", setuptools: "66.1.1" } }, new Map([["numpy", { version: "2.4.6" }]]));
    expect(t).toEqual({ kind: "packages", todo: [dist("setuptools", "84.0.0"), dist("zipp", "3.23.0")], replacing: new Set(["setuptools"]) });
  });

  it("sends the layer to one step when it changes an earlier layer's version, or a distribution cannot stand alone", () => {
    expect(triage({ dists: [dist("numpy", "2.5.0")], installed: {} }, new Map([["numpy", { version: "2.4.6" }]]))).toEqual({ kind: "one-step", reason: "it changes numpy 2.4.6, which an earlier layer installed, to 2.5.0" });
    expect(triage({ dists: [dist("app", "0.1", { kind: "unsupported", why: "a VCS URL" })], installed: {} }, new Map())).toEqual({ kind: "one-step", reason: "app comes from a VCS URL" });
  });
});
