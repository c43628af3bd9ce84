/**
 * The optimize work's targets (issue 19), checked on a bench run's measures: each met, missed,
 * or not measured when a scenario or route it needs was not run.
 */
import { measureAt, type OptimizeMeasure, type TargetCheck } from "./optimize-model.js";

/** How much slower than the Dockerfile route a no-change build may be, in seconds. */
export const NO_CHANGE_SLACK_S = 0.3;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const times = (x: number) => `${x.toFixed(2)}×`;

export function verdict(t: TargetCheck): string {
  return t.pass === undefined ? "not measured" : t.pass ? "met" : "MISSED";
}

export function checkTargets(measures: readonly OptimizeMeasure[]): TargetCheck[] {
  const on = (s: Parameters<typeof measureAt>[2]) => measureAt(measures, "optimize-on", s);
  const cold = on("cold");
  const offCold = measureAt(measures, "optimize-off", "cold");
  const dfCold = measureAt(measures, "dockerfile", "cold");
  const out: TargetCheck[] = [];
  const check = (target: string, value: number | undefined, limit: number, show: (v: number) => string) =>
    out.push(value === undefined || !Number.isFinite(value) ? { target, measured: "–", pass: undefined } : { target, measured: show(value), pass: value <= limit + 1e-9 });
  const ofCold = (m: OptimizeMeasure | undefined) => (m && cold ? m.seconds / cold.seconds : undefined);

  check("cold ≤ 1.0× optimize off", cold && offCold && cold.seconds / offCold.seconds, 1.0, times);
  check("cold ≤ 0.9× the Dockerfile route", cold && dfCold && cold.seconds / dfCold.seconds, 0.9, times);
  const nc = on("no-change");
  const dfNc = measureAt(measures, "dockerfile", "no-change");
  check(`no change ≤ the Dockerfile route's time + ${NO_CHANGE_SLACK_S} s`, nc && dfNc && nc.seconds - dfNc.seconds, NO_CHANGE_SLACK_S, (v) => `${v >= 0 ? "+" : ""}${v.toFixed(2)} s`);
  check("sibling spec, warm builder ≤ 10% of cold", ofCold(on("sibling")), 0.1, pct);
  check("fresh builder, sibling spec ≤ 25% of cold", ofCold(on("fresh-sibling")), 0.25, pct);
  for (const [s, label] of [["add-package", "add a light package"], ["bump-package", "bump the light package"]] as const) {
    const m = on(s);
    check(`${label} ≤ 10% of cold`, ofCold(m), 0.1, pct);
    check(`${label}: bytes newly stored ≤ 2% of cold's`, m && cold && cold.newBytes > 0 ? m.newBytes / cold.newBytes : undefined, 0.02, pct);
  }
  check("apt change ≤ 25% of cold", ofCold(on("apt-change")), 0.25, pct);
  return out;
}
