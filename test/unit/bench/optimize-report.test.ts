/** The optimize bench's report: the targets' verdicts, the chart's SVG and the Markdown, from made-up measures. */
import { describe, expect, it } from "vitest";
import { barChartSvg, niceStep, panels } from "../../../bench/chart.js";
import { optimizeChartSvg } from "../../../bench/optimize-chart.js";
import { optimizeMarkdown } from "../../../bench/optimize-markdown.js";
import { OPTIMIZE_ROUTES, OPTIMIZE_SCENARIOS, optimizeSelection, resultsName, type OptimizeBench, type OptimizeMeasure, type OptimizeRoute, type OptimizeScenario } from "../../../bench/optimize-model.js";
import { PHASES, type Breakdown, type Phase } from "../../../bench/phases.js";
import { checkTargets, verdict } from "../../../bench/targets.js";

const zero = () => Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
function bd(seconds: number, parts: Partial<Record<Phase, number>>): Breakdown {
  const share = { ...zero(), ...parts };
  const used = Object.values(share).reduce((a, b) => a + b, 0);
  return { seconds, union: share, share, idle: seconds - used, clientStartup: 0.3, requests: 4, steps: { ran: 10, cached: 2 } };
}
function m(route: OptimizeRoute, scenario: OptimizeScenario, seconds: number, newBytes = 0, withBreakdown = true): OptimizeMeasure {
  return { route, scenario, seconds, retried: false, newBytes, layers: 31, imageBytes: 434e6, ...(withBreakdown ? { breakdown: bd(seconds, { installs: seconds * 0.6, export: seconds * 0.1 }) } : {}) };
}

/** A run in which optimize on meets some targets and misses others. */
const MEASURES: OptimizeMeasure[] = [
  m("optimize-on", "cold", 100, 400e6),
  m("optimize-off", "cold", 110, 400e6),
  m("dockerfile", "cold", 105, 420e6),
  m("optimize-on", "no-change", 1.5),
  m("dockerfile", "no-change", 1.0),
  m("optimize-on", "add-package", 9, 1e6),
  m("optimize-on", "bump-package", 12, 10e6),
  m("optimize-on", "apt-change", 20),
  m("optimize-on", "sibling", 9.9),
  m("optimize-on", "fresh-same", 30),
  m("optimize-on", "fresh-sibling", 26),
];

describe("checkTargets", () => {
  const byTarget = Object.fromEntries(checkTargets(MEASURES).map((t) => [t.target, t]));
  it("checks issue 19's targets against optimize on's cold, the other routes and the scenarios", () => {
    expect(Object.keys(byTarget)).toEqual([
      "cold ≤ 1.0× optimize off",
      "cold ≤ 0.9× the Dockerfile route",
      "no change ≤ the Dockerfile route's time + 0.3 s",
      "sibling spec, warm builder ≤ 10% of cold",
      "fresh builder, sibling spec ≤ 25% of cold",
      "add a light package ≤ 10% of cold",
      "add a light package: bytes newly stored ≤ 2% of cold's",
      "bump the light package ≤ 10% of cold",
      "bump the light package: bytes newly stored ≤ 2% of cold's",
      "apt change ≤ 25% of cold",
    ]);
  });
  it.each([
    ["cold ≤ 1.0× optimize off", "0.91×", "met"],
    ["cold ≤ 0.9× the Dockerfile route", "0.95×", "MISSED"],
    ["no change ≤ the Dockerfile route's time + 0.3 s", "+0.50 s", "MISSED"],
    ["sibling spec, warm builder ≤ 10% of cold", "9.9%", "met"],
    ["fresh builder, sibling spec ≤ 25% of cold", "26.0%", "MISSED"],
    ["add a light package ≤ 10% of cold", "9.0%", "met"],
    ["add a light package: bytes newly stored ≤ 2% of cold's", "0.3%", "met"],
    ["bump the light package ≤ 10% of cold", "12.0%", "MISSED"],
    ["bump the light package: bytes newly stored ≤ 2% of cold's", "2.5%", "MISSED"],
    ["apt change ≤ 25% of cold", "20.0%", "met"],
  ])("%s: %s, %s", (target, measured, v) => {
    expect(byTarget[target]!.measured).toBe(measured);
    expect(verdict(byTarget[target]!)).toBe(v);
  });
  it("says what it could not measure", () => {
    const only = checkTargets([m("optimize-on", "cold", 100, 1)]);
    expect(only.every((t) => t.pass === undefined && t.measured === "–" && verdict(t) === "not measured")).toBe(true);
  });
  it("holds at the limit", () => {
    const t = checkTargets([m("optimize-on", "cold", 100), m("optimize-off", "cold", 100), m("dockerfile", "cold", 1000), m("optimize-on", "no-change", 1.3), m("dockerfile", "no-change", 1.0)]);
    expect(t.slice(0, 3).map((x) => x.pass)).toEqual([true, true, true]);
  });
});

/** A small well-formedness check: tags nest and close, attributes are quoted, every & is an entity. */
function wellFormed(xml: string): boolean {
  const stack: string[] = [];
  const body = xml.replace(/<title>[^<]*<\/title>/g, "");
  if (/&(?!amp;|lt;|gt;|quot;|apos;|#\d+;)/.test(xml)) return false;
  for (const t of body.matchAll(/<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z][\w:-]*="[^"<]*")*)\s*(\/?)>/g)) {
    if (t[1]) {
      if (stack.pop() !== t[2]) return false;
    } else if (!t[4]) stack.push(t[2]!);
  }
  const stripped = body.replace(/<(\/?)([a-zA-Z]+)((?:\s+[a-zA-Z][\w:-]*="[^"<]*")*)\s*(\/?)>/g, "");
  return stack.length === 0 && !/[<>]/.test(stripped);
}

const BENCH: OptimizeBench = { spec: "bench/specs/ml", routes: [...OPTIMIZE_ROUTES], scenarios: [...OPTIMIZE_SCENARIOS], mirrorMetadata: true, measures: MEASURES, targets: checkTargets(MEASURES) };

describe("the chart", () => {
  it("is well-formed SVG with one bar per measure, each showing its time", () => {
    const svg = optimizeChartSvg(BENCH, "2 × CPU & co <test>");
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(wellFormed(svg)).toBe(true);
    expect(svg.match(/<g class="bar">/g)!.length).toBe(MEASURES.length);
    for (const x of ["100 s", "110 s", "105 s", "1.50 s", "1.00 s", "9.90 s", "26.0 s"]) expect(svg).toContain(`>${x}</text>`);
    expect(svg).toContain("2 × CPU &amp; co &lt;test&gt;");
    expect(svg).toContain("fresh builder, sibling spec");
  });
  it("stacks a bar's parts in order and draws a bar without a breakdown plain", () => {
    const svg = barChartSvg({
      title: "t",
      unit: "s",
      series: [{ key: "a", label: "A", color: "#111111" }, { key: "b", label: "B", color: "#222222" }],
      groups: [{ label: "g", bars: [{ label: "x", value: 10, parts: [{ key: "a", value: 4 }, { key: "b", value: 6 }] }, { label: "y", value: 5 }] }],
    });
    expect(wellFormed(svg)).toBe(true);
    const rects = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="14" fill="(#\w+)"\/>/g)].map((r) => ({ x: Number(r[1]), w: Number(r[2]), fill: r[3] }));
    expect(rects.map((r) => r.fill)).toEqual(["#111111", "#222222", "#9e9e9e"]);
    expect(rects[1]!.x).toBeCloseTo(rects[0]!.x + rects[0]!.w, 1);
    expect(rects[0]!.w / rects[1]!.w).toBeCloseTo(4 / 6, 2);
    expect(rects[2]!.w).toBeCloseTo((rects[0]!.w + rects[1]!.w) / 2, 1);
  });
  it("puts scenarios under a tenth of the longest on a panel of their own", () => {
    const g = (label: string, v: number) => ({ label, bars: [{ label: "r", value: v }] });
    expect(panels([g("cold", 150), g("no change", 2), g("apt", 30)]).map((p) => p.map((x) => x.label))).toEqual([["cold", "apt"], ["no change"]]);
    expect(panels([g("a", 10), g("b", 5)]).length).toBe(1);
  });
  it("picks round axis steps", () => {
    expect(niceStep(168)).toBe(50);
    expect(niceStep(2.3)).toBe(0.5);
    expect(niceStep(0)).toBe(1);
  });
});

describe("the Markdown", () => {
  const md = optimizeMarkdown(BENCH, "machine", "optimize.svg").join("\n");
  it("links the chart and has the targets with their verdicts and a breakdown row per measure", () => {
    expect(md).toContain("](optimize.svg)");
    expect(md).toContain("| cold ≤ 0.9× the Dockerfile route | 0.95× | MISSED |");
    const rows = md.split("\n").filter((l) => /^\| [a-z-]+ \| (optimize-on|optimize-off|dockerfile) \| [\d.]+ \| [\d.]+ \/ /.test(l));
    expect(rows.length).toBe(MEASURES.length);
    expect(md).toContain("| fresh-sibling | optimize-on | 26.00 | 0.30 / – | 4 |");
  });
});

describe("selection and files", () => {
  it("runs the fresh-builder scenarios last and names another spec's files apart", () => {
    expect(optimizeSelection(["--scenarios=fresh-sibling,cold"]).scenarios).toEqual(["cold", "fresh-sibling"]);
    expect(OPTIMIZE_SCENARIOS.slice(-2)).toEqual(["fresh-same", "fresh-sibling"]);
    expect(() => optimizeSelection(["--scenarios=no-change,fresh-same"])).toThrow(/select cold too/);
    expect(() => optimizeSelection(["--scenarios=cold,warm"])).toThrow(/unknown "warm"/);
    expect(resultsName("bench/specs/ml")).toBe("optimize");
    expect(resultsName("bench/specs/ml-light")).toBe("optimize-ml-light");
  });
});
