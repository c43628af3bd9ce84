/**
 * The optimize bench's chart: scenario × route wall times, each bar stacked by where its time
 * went (each phase's even share of overlapping time, then the time no step ran), so the stack
 * adds up to the bar's wall time. Bars measured without a status stream are drawn plain.
 */
import { barChartSvg, PLAIN_COLOR, type ChartSeries } from "./chart.js";
import { OPTIMIZE_ROUTES, ROUTE_LABEL, SCENARIO_LABEL, measureAt, type OptimizeBench } from "./optimize-model.js";
import { PHASES, type Phase } from "./phases.js";

export const PHASE_COLOR: Record<Phase, string> = {
  frontend: "#4e79a7",
  "cache-import": "#76b7b2",
  resolve: "#f28e2b",
  installs: "#e15759",
  "layer-cuts": "#edc948",
  merge: "#b07aa1",
  export: "#59a14f",
  push: "#9c755f",
  "cache-export": "#ff9da7",
  other: "#a0cbe8",
};
const IDLE = { key: "idle", label: "no step running (start-ups, the frontend between requests)", color: "#dcdcdc" };

export function optimizeChartSvg(bench: OptimizeBench, machine: string): string {
  const used = PHASES.filter((p) => bench.measures.some((m) => (m.breakdown?.share[p] ?? 0) > 0));
  const some = bench.measures.some((m) => m.breakdown);
  const series: ChartSeries[] = [
    ...used.map((p) => ({ key: p, label: p.replace("-", " "), color: PHASE_COLOR[p] })),
    ...(some ? [IDLE] : []),
    ...(bench.measures.some((m) => !m.breakdown) ? [{ key: "plain", label: "no status stream recorded", color: PLAIN_COLOR }] : []),
  ];
  const groups = bench.scenarios.map((s) => ({
    label: SCENARIO_LABEL[s],
    bars: OPTIMIZE_ROUTES.filter((r) => bench.routes.includes(r)).flatMap((r) => {
      const m = measureAt(bench.measures, r, s);
      if (!m) return [];
      const b = m.breakdown;
      // The breakdown is of one build; no-change's bar is the median build, which it is read from.
      // Scaled to the bar's rounded time, which they add up to before rounding.
      const k = b && b.seconds > 0 ? m.seconds / b.seconds : 1;
      const parts = b ? [...used.map((p) => ({ key: p, value: b.share[p] * k })), { key: IDLE.key, value: b.idle * k }] : undefined;
      return [{ label: ROUTE_LABEL[r], value: m.seconds, ...(parts ? { parts } : {}) }];
    }),
  }));
  return barChartSvg({
    title: `Optimize benchmark: wall time per scenario and route (${bench.spec}, pushed)`,
    subtitle: machine,
    unit: "s",
    groups: groups.filter((g) => g.bars.length > 0),
    series,
  });
}
