/** The optimize bench's breakdown: BuildKit's rawjson status stream read into phases, on streams recorded from real builds. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bursts, coverage, subtract } from "../../../bench/intervals.js";
import { breakdown, PHASES, phaseOf } from "../../../bench/phases.js";
import { parseStatusStream, streamTime, type StreamVertex } from "../../../bench/status-stream.js";
import { repoRoot } from "../../support/paths.js";

/** Recorded with `docker buildx build --progress=rawjson` of a two-package spec (optimize on: --no-cache, then again) and its Dockerfile. */
const stream = (name: string) => parseStatusStream(readFileSync(join(repoRoot, "test/fixtures/bench", `rawjson-${name}.jsonl`), "utf8"));
const bounds = (vs: StreamVertex[]) => {
  const runs = vs.flatMap((v) => v.runs);
  return { first: Math.min(...runs.map((r) => r.started)), last: Math.max(...runs.map((r) => r.completed ?? r.started)) };
};
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

describe("streamTime", () => {
  it("keeps sub-millisecond digits and honours the offset", () => {
    expect(streamTime("2026-12-05T16:13:51.940926674Z")).toBeCloseTo(Date.parse("2026-12-05T16:13:51.940Z") + 0.926674, 6);
    expect(streamTime("2026-12-05T17:13:51+01:00")).toBe(Date.parse("2026-12-05T16:13:51Z"));
    expect(streamTime(undefined)).toBeUndefined();
    expect(streamTime("yesterday")).toBeUndefined();
  });
});

describe("parseStatusStream", () => {
  it("folds the updates of a vertex into one record with its runs, and skips lines that are not JSON", () => {
    const text = [
      `{"vertexes":[{"digest":"sha256:a","name":"[1/2] pip install x==1 (package 1 of 1)"}]}`,
      `{"vertexes":[{"digest":"sha256:a","name":"[1/2] pip install x==1 (package 1 of 1)","started":"2026-01-01T00:00:01Z"}]}`,
      `{"statuses":[{"id":"pushing layers","vertex":"sha256:b","started":"2026-01-01T00:00:03Z"}]}`,
      `{"vertexes":[{"digest":"sha256:a","name":"[1/2] pip install x==1 (package 1 of 1)","started":"2026-01-01T00:00:01Z","completed":"2026-01-01T00:00:02Z"}]}`,
      `{"vertexes":[{"digest":"sha256:a","name":"[1/2] pip install x==1 (package 1 of 1)","started":"2026-01-01T00:00:02.5Z","completed":"2026-01-01T00:00:02.5Z","cached":true}]}`,
      `{"statuses":[{"id":"pushing layers","vertex":"sha256:b","started":"2026-01-01T00:00:03Z","completed":"2026-01-01T00:00:04Z"}]}`,
      "ERROR: failed to build: something",
    ].join("\n");
    const [a, b] = parseStatusStream(text);
    const t = (s: string) => Date.parse(`2026-01-01T00:00:${s}Z`);
    expect(a).toEqual({ digest: "sha256:a", name: "[1/2] pip install x==1 (package 1 of 1)", runs: [{ started: t("01"), completed: t("02") }, { started: t("02.5"), completed: t("02.5") }], cached: true, statuses: [] });
    expect(b!.statuses).toEqual([{ id: "pushing layers", started: t("03"), completed: t("04") }]);
  });

  it("reads every named vertex of a recorded build", () => {
    const vs = stream("optimize-on-cold");
    expect(vs.length).toBe(24);
    expect(vs.every((v) => v.name !== "" && v.runs.length > 0)).toBe(true);
    expect(vs.find((v) => v.name === "exporting to image")!.statuses.map((s) => s.id.split(" ")[0])).toEqual(["exporting", "exporting", "exporting", "naming", "unpacking", "pushing", "pushing"]);
  });
});

describe("phaseOf", () => {
  it.each([
    ["resolve image config for docker-image://127.0.0.1:5000/imagespec-frontend:test", "frontend"],
    ["docker-image://127.0.0.1:5000/imagespec-frontend:test@sha256:3df1", "frontend"],
    ["[internal] load build definition from spec.yaml", "frontend"],
    ["[internal] load .dockerignore", "frontend"],
    ["[internal] load metadata for 127.0.0.1:5000/debian-python:3.11-bookworm", "frontend"],
    ["[internal] inspect Python in 127.0.0.1:5000/debian-python:3.11-bookworm@sha256:9b5d", "frontend"],
    ["[python] optimize: read what 2 package layer(s) hold", "frontend"],
    ["[1/2] resolve: pip install --dry-run (optimize)", "resolve"],
    ["[1/2] pip install tinyjson==1.1.0 (package 1 of 2)", "installs"],
    ["[2/3] uv pip install torch==2.13.0+cpu (package 1 of 26)", "installs"],
    ["[internal] optimize: pin acme-cli==1.0.0", "installs"],
    ['[stage-0 5/8] RUN --mount=type=cache,target=/root/.cache/pip "$UV_PYTHON" -m pip install torch numpy', "installs"],
    ["[1/2] layer of acme-cli==1.0.0", "layer-cuts"],
    ["diff ([python] /usr/bin/python3.11 -m venv /opt/venv) -> ([1/2] pip install acme-cli==1.0.0 (package 2 of 2))", "layer-cuts"],
    ["diff ([python] /usr/bin/python3.11 -m venv /opt/venv) -> ([2/2] COPY src /app)", "other"],
    ["merge ([python] /usr/bin/python3.11 -m venv /opt/venv, [1/2] layer of acme-cli==1.0.0)", "merge"],
    ["exporting to image", "export"],
    ["exporting cache to registry", "cache-export"],
    ["importing cache manifest from 127.0.0.1:5104/bench/ml-cache-optimize-on:main", "cache-import"],
    ["[stage-0 3/8] RUN apt-get update && apt-get install -y --no-install-recommends jq", "other"],
    ["[internal] load build context", "other"],
  ])("%s → %s", (name, phase) => {
    expect(phaseOf(name)).toBe(phase);
  });
});

describe("intervals", () => {
  const iv = (label: "a" | "b", start: number, end: number) => ({ label, start, end });
  it("counts overlapping time once per label and shares it evenly between labels", () => {
    const c = coverage([iv("a", 0, 10), iv("a", 5, 15), iv("b", 10, 20), iv("b", 30, 30)]);
    expect(c.covered).toBe(20);
    expect(c.union).toEqual(new Map([["a", 15], ["b", 10]]));
    expect(c.share.get("a")! + c.share.get("b")!).toBe(20);
    expect(c.share.get("a")).toBe(12.5);
  });
  it("merges activity separated by less than the gap", () => {
    expect(bursts([{ start: 0, end: 5 }, { start: 9, end: 9 }, { start: 30, end: 40 }, { start: 35, end: 36 }], 10)).toEqual([[0, 9], [30, 40]]);
  });
  it("cuts holes out of an interval", () => {
    expect(subtract({ start: 0, end: 10 }, [{ start: 8, end: 12 }, { start: 2, end: 3 }])).toEqual([{ start: 0, end: 2 }, { start: 3, end: 8 }]);
  });
});

describe("breakdown", () => {
  it("splits a cold optimize build into its phases; the shares and the idle time add up to the wall time", () => {
    const vs = stream("optimize-on-cold");
    const { first, last } = bounds(vs);
    const b = breakdown(vs, first - 300, last + 50);
    expect(b.seconds).toBeCloseTo((last + 50 - first + 300) / 1000, 2);
    expect(sum(b.share) + b.idle).toBeCloseTo(b.seconds, 2);
    for (const p of PHASES) expect(b.union[p]).toBeGreaterThanOrEqual(b.share[p]);
    for (const p of ["frontend", "resolve", "installs", "layer-cuts", "merge", "export", "push", "other"] as const) expect(b.union[p]).toBeGreaterThan(0);
    expect(b.union["cache-import"]).toBe(0);
    // Two installs side by side: their union is less than their sum.
    const installs = vs.filter((v) => /\(package \d of 2\)$/.test(v.name)).map((v) => v.runs[0]!.completed! - v.runs[0]!.started);
    expect(b.union.installs * 1000).toBeLessThan(installs[0]! + installs[1]! + 10);
    expect(b.clientStartup).toBeCloseTo(0.3, 3);
    expect(b.frontendStartup).toBeGreaterThan(0.2);
    expect(b.requests).toBeGreaterThanOrEqual(3);
    expect(b.steps.ran + b.steps.cached).toBe(vs.length);
  });

  it("finds nothing installed on a no-change build, whose time is mostly outside any step", () => {
    const vs = stream("optimize-on-no-change");
    const { first, last } = bounds(vs);
    const b = breakdown(vs, first - 300, last + 50);
    expect(b.union.installs).toBe(0);
    expect(b.union.resolve).toBe(0);
    expect(b.idle).toBeGreaterThan(sum(b.share));
    expect(b.steps.cached).toBeGreaterThan(b.steps.ran);
  });

  it("puts the Dockerfile's RUN pip install in installs and has no frontend start-up", () => {
    const vs = stream("dockerfile-cold");
    const { first, last } = bounds(vs);
    const b = breakdown(vs, first - 100, last);
    expect(b.union.installs).toBeGreaterThan(0.1);
    expect(b.union.resolve + b.union["layer-cuts"] + b.union.merge).toBe(0);
    expect(b.frontendStartup).toBeUndefined();
    expect(sum(b.share) + b.idle).toBeCloseTo(b.seconds, 2);
  });
});
