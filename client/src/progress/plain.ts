/** Plain progress lines in the style of buildctl's `--progress plain` (`#N name`, `#N DONE 1.2s`). */
import { ProgressState, type ProgressEvent, type VertexState } from "./state.js";

export interface ProgressPrinter {
  status(s: Record<string, any>): void;
  /** The end of the build; after a failure, the failing steps with their last log lines. */
  finish(failed: boolean): void;
}

const secs = (ms: number) => {
  const s = ms / 1000;
  return s < 10 ? s.toFixed(3) : s < 100 ? s.toFixed(2) : s.toFixed(1);
};

export function plainPrinter(write: (s: string) => void): ProgressPrinter {
  const state = new ProgressState();
  let next = 1;
  let current: VertexState | undefined;
  const num = (v: VertexState) => (v.number ??= next++);
  const switchTo = (v: VertexState) => {
    if (current === v) return;
    if (current && current.completed === undefined) write(`#${num(current)} ...\n`);
    write(`\n#${num(v)} ${v.name}\n`);
    current = v;
  };
  const print = (e: ProgressEvent) => {
    if (e.kind === "warning") {
      if (e.v) switchTo(e.v);
      write(`${e.v ? `#${num(e.v)} ` : ""}WARN: ${e.short}\n`);
      return;
    }
    const v = e.v;
    if (e.kind === "start") {
      if (!v.cached) switchTo(v);
    } else if (e.kind === "log") {
      switchTo(v);
      write(`#${num(v)} ${secs(e.at - (v.started ?? e.at))} ${e.line}\n`);
    } else if (e.kind === "status") {
      if (!e.done) return;
      switchTo(v);
      write(`#${num(v)} ${e.id}${e.total ? ` ${e.current} / ${e.total}` : ""} done\n`);
    } else if (e.kind === "done") {
      switchTo(v);
      if (v.error) write(`#${num(v)} ERROR: ${v.error}\n`);
      else if (v.cached) write(`#${num(v)} CACHED\n`);
      else write(`#${num(v)} DONE ${(Math.max(0, (v.completed ?? 0) - (v.started ?? v.completed ?? 0)) / 1000).toFixed(1)}s\n`);
    }
  };
  return {
    status: (s) => state.apply(s).forEach(print),
    finish: (failed) => {
      for (const v of failed ? state.vertices.values() : []) {
        if (!v.error || v.error.includes("context canceled")) continue;
        write(`------\n > ${v.name}:\n${v.logs.map((l) => `${l}\n`).join("")}------\n`);
      }
    },
  };
}

export const quietPrinter: ProgressPrinter = { status: () => undefined, finish: () => undefined };
