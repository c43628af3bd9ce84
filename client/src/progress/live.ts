/**
 * A live view for terminals: one line per step (running ones with their time and last log
 * line), redrawn in place at most ten times a second; finished steps scroll away above it.
 */
import { ProgressState, type VertexState } from "./state.js";
import type { ProgressPrinter } from "./plain.js";

const MAX_RUNNING = 12;

export function livePrinter(stream: NodeJS.WriteStream): ProgressPrinter {
  const state = new ProgressState();
  const startedAt = Date.now();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const width = () => Math.max(40, (stream.columns || 100) - 1);
  const fit = (s: string) => (s.length > width() ? s.slice(0, width() - 1) + "…" : s);
  const elapsed = (v: VertexState) => (((v.completed ?? Date.now()) - (v.started ?? Date.now())) / 1000).toFixed(1);

  const draw = (final: boolean) => {
    timer = undefined;
    const all = [...state.vertices.values()].filter((v) => v.started !== undefined || v.cached);
    const running = all.filter((v) => v.completed === undefined);
    const done = all.length - running.length;
    const lines = [`[+] Building ${((Date.now() - startedAt) / 1000).toFixed(1)}s (${done}/${all.length})${final ? " FINISHED" : ""}`];
    for (const v of running.slice(-MAX_RUNNING)) {
      lines.push(fit(` => ${v.name}  ${elapsed(v)}s`));
      const last = v.logs.at(-1);
      if (last) lines.push(fit(`    ${last.trim()}`));
    }
    stream.write((drawn ? `\x1b[${drawn}A\r\x1b[J` : "") + lines.join("\n") + "\n");
    drawn = lines.length;
  };
  const schedule = () => (timer ??= setTimeout(() => draw(false), 100));

  return {
    status: (s) => {
      const events = state.apply(s);
      const finished = events.filter((e) => e.kind === "done").map((e) => e.v!);
      const warnings = events.filter((e) => e.kind === "warning");
      if (finished.length || warnings.length) {
        if (drawn) stream.write(`\x1b[${drawn}A\r\x1b[J`);
        drawn = 0;
        for (const v of finished) stream.write(fit(` => ${v.cached ? "CACHED " : v.error ? "ERROR " : ""}${v.name}  ${v.cached ? "" : elapsed(v) + "s"}`) + "\n");
        for (const w of warnings) if (w.kind === "warning") stream.write(fit(` WARN: ${w.short}`) + "\n");
      }
      schedule();
    },
    finish: (failed) => {
      if (timer) clearTimeout(timer);
      draw(true);
      for (const v of failed ? state.vertices.values() : []) {
        if (!v.error || v.error.includes("context canceled")) continue;
        stream.write(`------\n > ${v.name}:\n${v.logs.map((l) => `${l}\n`).join("")}------\n`);
      }
    },
  };
}
