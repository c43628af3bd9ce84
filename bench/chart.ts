/**
 * A horizontal grouped bar chart as SVG text: one group per scenario, one bar per route, each bar
 * stacked by parts (where the time went) when it has them. Times span two orders of magnitude
 * (a cold build ~150 s, a no-change build ~2 s), so groups whose longest bar is under a tenth of
 * the longest overall go to a second panel with its own linear axis: both read directly, where a
 * log axis would make stacks unreadable.
 */

export interface ChartPart {
  key: string;
  value: number;
}

export interface ChartBar {
  label: string;
  value: number;
  /** Stacked in order; they should add up to `value` (what is left over is drawn plain). */
  parts?: ChartPart[];
}

export interface ChartGroup {
  label: string;
  bars: ChartBar[];
}

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
}

export interface ChartSpec {
  title: string;
  subtitle?: string;
  unit: string;
  groups: ChartGroup[];
  series: ChartSeries[];
}

const WIDTH = 860;
const LEFT = 250;
const RIGHT = 90;
const BAR_H = 14;
const BAR_GAP = 3;
const GROUP_GAP = 12;
const GROUP_HEAD = 16;
const PANEL_HEAD = 40;
/** A bar, or the rest of a bar, without parts. */
export const PLAIN_COLOR = "#9e9e9e";
/** A group goes to the second panel when its longest bar is under this share of the longest overall. */
export const FAST_SHARE = 0.1;

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A round axis step giving at most `most` intervals up to `max`. */
export function niceStep(max: number, most = 6): number {
  if (!(max > 0)) return 1;
  const raw = max / most;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2).replace(/0+$/, "").replace(/\.$/, ""));
const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** Splits the groups into the panels described above (one panel when nothing is that short). */
export function panels(groups: readonly ChartGroup[]): ChartGroup[][] {
  const longest = (g: ChartGroup) => Math.max(0, ...g.bars.map((b) => b.value));
  const top = Math.max(0, ...groups.map(longest));
  const slow = groups.filter((g) => longest(g) >= FAST_SHARE * top);
  const fast = groups.filter((g) => longest(g) < FAST_SHARE * top);
  return [slow, fast].filter((p) => p.length > 0);
}

export function barChartSvg(spec: ChartSpec): string {
  const color = new Map(spec.series.map((s) => [s.key, s.color]));
  const plotW = WIDTH - LEFT - RIGHT;
  const out: string[] = [];
  let y = 24;
  out.push(`<text x="${LEFT - 240}" y="${y}" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`);
  if (spec.subtitle) out.push(`<text x="${LEFT - 240}" y="${(y += 18)}" font-size="11" fill="#555">${escapeXml(spec.subtitle)}</text>`);
  // Legend, wrapped.
  y += 20;
  let x = LEFT - 240;
  for (const s of spec.series) {
    const w = 16 + s.label.length * 6.2 + 14;
    if (x + w > WIDTH - 10) {
      x = LEFT - 240;
      y += 16;
    }
    out.push(`<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${s.color}"/>`, `<text x="${x + 14}" y="${y}" font-size="11">${escapeXml(s.label)}</text>`);
    x += w;
  }
  y += 10;
  for (const [k, groups] of panels(spec.groups).entries()) {
    const max = Math.max(...groups.flatMap((g) => g.bars.map((b) => b.value)));
    const step = niceStep(max);
    const axisMax = Math.ceil(max / step) * step || step;
    const scale = (v: number) => (v / axisMax) * plotW;
    y += PANEL_HEAD;
    const panelTop = y;
    const height = groups.reduce((h, g) => h + GROUP_HEAD + g.bars.length * (BAR_H + BAR_GAP) + GROUP_GAP, 0);
    out.push(`<text x="${LEFT - 240}" y="${y - 22}" font-size="12" font-weight="bold">${k === 0 ? "Longer builds" : "Shorter builds (own axis)"}, ${escapeXml(spec.unit)}</text>`);
    for (let t = 0; t <= axisMax + step / 1000; t += step) {
      const tx = LEFT + scale(t);
      out.push(`<line x1="${tx.toFixed(1)}" y1="${panelTop - 4}" x2="${tx.toFixed(1)}" y2="${panelTop + height}" stroke="#ddd"/>`, `<text x="${tx.toFixed(1)}" y="${panelTop - 7}" font-size="10" text-anchor="middle" fill="#555">${num(t)}</text>`);
    }
    for (const g of groups) {
      y += GROUP_HEAD;
      out.push(`<text x="${LEFT - 240}" y="${y - 3}" font-size="12" font-weight="bold">${escapeXml(g.label)}</text>`);
      for (const b of g.bars) {
        const title = `${g.label}, ${b.label}: ${fmt(b.value)} ${spec.unit}` + (b.parts ?? []).filter((p) => p.value > 0).map((p) => `\n${spec.series.find((s) => s.key === p.key)?.label ?? p.key}: ${fmt(p.value)}`).join("");
        out.push(`<g class="bar"><title>${escapeXml(title)}</title>`, `<text x="${LEFT - 6}" y="${y + BAR_H - 3}" font-size="11" text-anchor="end">${escapeXml(b.label)}</text>`);
        let at = 0;
        for (const p of b.parts ?? []) {
          if (p.value <= 0) continue;
          out.push(`<rect x="${(LEFT + scale(at)).toFixed(2)}" y="${y}" width="${scale(p.value).toFixed(2)}" height="${BAR_H}" fill="${color.get(p.key) ?? PLAIN_COLOR}"/>`);
          at += p.value;
        }
        if (b.value - at > 1e-9) out.push(`<rect x="${(LEFT + scale(at)).toFixed(2)}" y="${y}" width="${scale(b.value - at).toFixed(2)}" height="${BAR_H}" fill="${PLAIN_COLOR}"/>`);
        out.push(`<text x="${(LEFT + scale(Math.max(b.value, at)) + 4).toFixed(1)}" y="${y + BAR_H - 3}" font-size="11">${fmt(b.value)} ${escapeXml(spec.unit)}</text></g>`);
        y += BAR_H + BAR_GAP;
      }
      y += GROUP_GAP;
    }
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    ...out,
    "</svg>",
    "",
  ].join("\n");
}
