/**
 * BuildKit's status stream as `docker buildx build --progress=rawjson` writes it on stderr: one
 * JSON SolveStatus per line (vertexes, statuses, logs, warnings), each update repeating a vertex
 * or status by its digest or id with the fields known so far. This folds the updates into one
 * record per vertex: each time it was started (a run, told apart by its start time), whether it
 * was a cache hit, and the timed sub-steps (statuses) BuildKit reported under it. Lines that
 * are not JSON (buildx's closing `ERROR: …`) are skipped.
 */

export interface StreamStatus {
  id: string;
  /** Epoch milliseconds. */
  started?: number;
  completed?: number;
}

/** One time BuildKit started the vertex (it may start one more than once, e.g. a cache check, then the cached result). */
export interface StreamRun {
  /** Epoch milliseconds. */
  started: number;
  completed?: number;
}

export interface StreamVertex {
  digest: string;
  name: string;
  runs: StreamRun[];
  cached: boolean;
  error?: string;
  statuses: StreamStatus[];
}

interface RawVertex {
  digest?: string;
  name?: string;
  started?: string;
  completed?: string;
  cached?: boolean;
  error?: string;
}

interface RawStatus {
  id?: string;
  vertex?: string;
  started?: string;
  completed?: string;
}

/** An RFC 3339 time with nanoseconds, in epoch milliseconds (sub-millisecond digits kept as a fraction). */
export function streamTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return undefined;
  const whole = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(whole)) return undefined;
  const frac = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return whole + frac;
}

/** Every vertex of the stream, in the order first seen. */
export function parseStatusStream(text: string): StreamVertex[] {
  const vertexes = new Map<string, StreamVertex>();
  const vertex = (digest: string): StreamVertex => {
    let v = vertexes.get(digest);
    if (!v) vertexes.set(digest, (v = { digest, name: "", runs: [], cached: false, statuses: [] }));
    return v;
  };
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (!t.startsWith("{")) continue;
    let parsed: { vertexes?: RawVertex[] | null; statuses?: RawStatus[] | null };
    try {
      parsed = JSON.parse(t) as typeof parsed;
    } catch {
      continue;
    }
    for (const r of parsed.vertexes ?? []) {
      if (!r.digest) continue;
      const v = vertex(r.digest);
      if (r.name) v.name = r.name;
      if (r.cached) v.cached = true;
      if (r.error) v.error = r.error;
      const started = streamTime(r.started);
      const completed = streamTime(r.completed);
      if (started === undefined) continue;
      let run = v.runs.find((x) => x.started === started);
      if (!run) v.runs.push((run = { started }));
      if (completed !== undefined) run.completed = completed;
    }
    for (const r of parsed.statuses ?? []) {
      if (!r.vertex || !r.id) continue;
      const v = vertex(r.vertex);
      let s = v.statuses.find((x) => x.id === r.id);
      if (!s) v.statuses.push((s = { id: r.id }));
      const started = streamTime(r.started);
      const completed = streamTime(r.completed);
      if (started !== undefined && (s.started === undefined || started < s.started)) s.started = started;
      if (completed !== undefined && (s.completed === undefined || completed > s.completed)) s.completed = completed;
    }
  }
  return [...vertexes.values()];
}
