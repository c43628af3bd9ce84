/**
 * Doubling ratios in time: each hostile string shape (bench/hostile-strings.ts) on its parser,
 * and each hostile spec (bench/hostile-inputs.ts) through loadSpec, at n and 2n. About 2 is
 * linear; the unit tests assert the same property on counted work.
 */
import { loadSpec } from "../frontend/imagespec/load.js";
import { doublingRatio } from "./doubling.js";
import { HOSTILE_INPUTS } from "./hostile-inputs.js";
import { HOSTILE_STRINGS } from "./hostile-strings.js";
import { round } from "./stats.js";

export interface DoublingRow {
  parser: string;
  input: string;
  n: number;
  ratio: number;
}

export function benchLinear(): DoublingRow[] {
  const rows: DoublingRow[] = [];
  for (const h of HOSTILE_STRINGS) {
    for (const [what, make] of h.shapes) rows.push({ parser: h.name, input: what, n: h.n, ratio: round(doublingRatio(make, (s) => h.run(s), h.n)) });
  }
  for (const h of HOSTILE_INPUTS) {
    const n = Math.ceil(h.workSize / 2);
    const small = h.make(n);
    const large = h.make(2 * n);
    const ratio = doublingRatio((size) => (size === n ? small : large), (data) => loadSpec(data, h.filename), n, 3);
    rows.push({ parser: "loadSpec", input: h.name, n, ratio: round(ratio) });
  }
  return rows;
}

export function linearMarkdown(rows: readonly DoublingRow[]): string[] {
  return [
    "## Doubling ratios (time on 2n over time on n)",
    "",
    "About 2 is linear, 4 quadratic. Wall-clock, so load elsewhere on the machine only inflates them; the unit tests bound counted work instead.",
    "",
    "| parser | input | n | ratio |",
    "| --- | --- | ---: | ---: |",
    ...rows.map((r) => `| ${r.parser} | ${r.input} | ${r.n} | ${r.ratio} |`),
  ];
}
