/**
 * Where a build's time goes, read from its status stream: each step (vertex) is put in a phase
 * by its name, and the phases' times are measured on the wall clock.
 *
 * Steps overlap (BuildKit runs independent steps at once, and installs of several packages run
 * side by side on the bench's 2 cores), so a phase's time is the union of its steps' intervals,
 * never their sum, and the phases' unions may add up to more than the build took. For a stacked
 * bar, `share` splits each instant evenly among the phases running at it; the shares plus `idle`
 * (no step running: the client starting, the frontend starting or thinking between its requests)
 * add up to the build's wall time.
 */
import { bursts, coverage, subtract, type Interval } from "./intervals.js";
import type { StreamVertex } from "./status-stream.js";

export const PHASES = ["frontend", "cache-import", "resolve", "installs", "layer-cuts", "merge", "export", "push", "cache-export", "other"] as const;
export type Phase = (typeof PHASES)[number];

export const PHASE_MEANING: Record<Phase, string> = {
  frontend: "the frontend's image and its own requests: reading the spec and .dockerignore, the base image's config, the Python inspection, the RECORD inspection (`optimize: read what`)",
  "cache-import": "importing a registry cache's manifest (`--cache-from`)",
  resolve: "the optimize resolve step (`resolve: pip install --dry-run`)",
  installs: "`pip install` / `uv pip install` steps (the Dockerfile's `RUN … pip install` too) and their inputs",
  "layer-cuts": "cutting a package's layer: `layer of …` and the diff of an install step",
  merge: "merging layers (`merge (…)`)",
  export: "exporting the image: layers, manifest, config, naming, unpacking",
  push: "pushing layers and manifest to the registry",
  "cache-export": "exporting a registry cache (`--cache-to`)",
  other: "everything else: the base image, the venv, apt, copies, the build context, other diffs",
};

/** The phase a step belongs to, by its name. */
export function phaseOf(name: string): Phase {
  if (/^exporting cache\b/.test(name)) return "cache-export";
  if (/^importing cache\b/.test(name)) return "cache-import";
  if (/^exporting to\b/.test(name)) return "export";
  if (/^merge \(/.test(name)) return "merge";
  if (/^diff \(/.test(name)) return /\bpip install\b/.test(name) ? "layer-cuts" : "other";
  if (/\bresolve: /.test(name)) return "resolve";
  if (
    /optimize: read what\b/.test(name) ||
    /^\[internal\] (inspect Python in|load build definition|load \.dockerignore|load metadata for)\b/.test(name) ||
    /^resolve image config for\b/.test(name) ||
    /^docker-image:\/\//.test(name) ||
    /^\[note\]/.test(name)
  )
    return "frontend";
  if (/\blayer of\b/.test(name)) return "layer-cuts";
  if (/^\[internal\] optimize: /.test(name) || /\bpip install\b/.test(name)) return "installs";
  return "other";
}

/** Nothing running for at least this long separates two requests (see `requests`). */
export const REQUEST_GAP_MS = 10;

export interface Breakdown {
  /** Wall time of the build command. */
  seconds: number;
  /** Per phase, seconds some step of it was running (wall-clock union). */
  union: Record<Phase, number>;
  /** Per phase, its even share of each instant; with `idle` they sum to `seconds`. */
  share: Record<Phase, number>;
  /** Seconds no step was running. */
  idle: number;
  /** From the command's start to the first step. */
  clientStartup: number;
  /** From the gateway frontend's image being ready to its first request (absent: no gateway image, e.g. the Dockerfile route). */
  frontendStartup?: number;
  /**
   * Bursts of steps after the frontend was ready (from the start on the Dockerfile route), each
   * separated from the next by ≥ REQUEST_GAP_MS with no step running: each is a request the
   * frontend waited on (a file read, an image config, a solve), the last one the final solve and
   * export. An estimate: BuildKit's stream does not name the solve a step belongs to.
   */
  requests: number;
  steps: { ran: number; cached: number };
}

const ms = (x: number) => Math.round(x) / 1000;

function gatewayImage(v: StreamVertex): boolean {
  return /^docker-image:\/\//.test(v.name);
}

/** A vertex's runs as intervals; a run never reported completed ends where the next begins, or at `end`. */
function spans(v: StreamVertex, end: number): { start: number; end: number }[] {
  const runs = [...v.runs].sort((a, b) => a.started - b.started);
  return runs.map((r, k) => ({ start: r.started, end: r.completed ?? runs[k + 1]?.started ?? end }));
}

/** The breakdown of one build that ran from `start` to `end` (epoch ms, the same clock as the stream's). */
export function breakdown(vertexes: readonly StreamVertex[], start: number, end: number): Breakdown {
  const timed = vertexes.filter((v) => v.runs.length > 0);
  const clamp = (s: { start: number; end: number }) => ({ start: Math.max(start, Math.min(end, s.start)), end: Math.max(start, Math.min(end, s.end)) });
  const runsOf = (v: StreamVertex) => spans(v, end).map(clamp);
  const segments: Interval<Phase>[] = [];
  for (const v of timed) {
    const phase = phaseOf(v.name);
    for (const span of runsOf(v)) {
      if (phase !== "export") {
        segments.push({ label: phase, ...span });
        continue;
      }
      const pushes = v.statuses
        .filter((s) => s.id.startsWith("pushing") && s.started !== undefined)
        .map((s) => clamp({ start: s.started!, end: s.completed ?? span.end }))
        .filter((p) => p.end > span.start && p.start < span.end);
      for (const p of pushes) segments.push({ label: "push", ...p });
      for (const rest of subtract(span, pushes)) segments.push({ label: "export", ...rest });
    }
  }
  const cov = coverage(segments);
  const per = (m: Map<Phase, number>) => Object.fromEntries(PHASES.map((p) => [p, ms(m.get(p) ?? 0)])) as Record<Phase, number>;
  const wall = end - start;
  const firstStart = (v: StreamVertex) => Math.min(...v.runs.map((r) => r.started));
  const firstStep = Math.min(end, ...timed.map(firstStart));
  const gateway = timed.find((v) => gatewayImage(v) && v.runs.some((r) => r.completed !== undefined));
  const ready = gateway ? Math.max(...gateway.runs.map((r) => r.completed ?? r.started)) : undefined;
  const after = timed.filter((v) => v !== gateway).flatMap(runsOf).filter((s) => ready === undefined || s.start >= ready);
  const out: Breakdown = {
    seconds: ms(wall),
    union: per(cov.union),
    share: per(cov.share),
    idle: ms(wall - cov.covered),
    clientStartup: ms(firstStep - start),
    requests: bursts(after, REQUEST_GAP_MS).length,
    steps: { ran: timed.filter((v) => !v.cached).length, cached: timed.filter((v) => v.cached).length },
  };
  if (ready !== undefined && after.length > 0) out.frontendStartup = ms(Math.min(...after.map((s) => s.start)) - ready);
  return out;
}
