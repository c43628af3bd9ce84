/** Merges Status responses into vertices (by digest) and their statuses (by id), as they change. */

export interface VertexState {
  digest: string;
  name: string;
  number?: number;
  started?: number;
  completed?: number;
  cached: boolean;
  error?: string;
  logs: string[];
  /** A partial log line waiting for its newline. */
  partial: string;
}

export const tsMs = (t: { seconds?: string | number; nanos?: number } | undefined) =>
  t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : undefined;

export type ProgressEvent =
  | { kind: "start"; v: VertexState }
  | { kind: "log"; v: VertexState; line: string; at: number }
  | { kind: "status"; v: VertexState; id: string; current: number; total: number; done: boolean }
  | { kind: "done"; v: VertexState }
  | { kind: "warning"; v?: VertexState; short: string };

export class ProgressState {
  readonly vertices = new Map<string, VertexState>();
  private readonly statusDone = new Set<string>();

  /** Applies one StatusResponse and returns what changed, in order. */
  apply(s: Record<string, any>): ProgressEvent[] {
    const events: ProgressEvent[] = [];
    for (const v of s.vertexes ?? []) {
      let st = this.vertices.get(v.digest);
      if (!st) {
        st = { digest: v.digest, name: v.name ?? "", cached: false, logs: [], partial: "" };
        this.vertices.set(v.digest, st);
      }
      const wasStarted = st.started !== undefined;
      const wasDone = st.completed !== undefined;
      st.name = v.name ?? st.name;
      st.cached ||= Boolean(v.cached);
      st.started = tsMs(v.started) ?? st.started;
      st.completed = tsMs(v.completed) ?? st.completed;
      if (v.error) st.error = v.error;
      if (!wasStarted && (st.started !== undefined || st.cached)) events.push({ kind: "start", v: st });
      if (!wasDone && st.completed !== undefined) events.push({ kind: "done", v: st });
    }
    for (const x of s.statuses ?? []) {
      const v = this.vertices.get(x.vertex);
      if (!v || this.statusDone.has(x.ID)) continue;
      const done = x.completed !== undefined;
      if (done) this.statusDone.add(x.ID);
      events.push({ kind: "status", v, id: x.ID, current: Number(x.current ?? 0), total: Number(x.total ?? 0), done });
    }
    for (const l of s.logs ?? []) {
      const v = this.vertices.get(l.vertex);
      if (!v) continue;
      const text = v.partial + Buffer.from(l.msg ?? []).toString("utf8");
      const lines = text.split("\n");
      v.partial = lines.pop()!;
      const at = tsMs(l.timestamp) ?? Date.now();
      for (const line of lines) {
        v.logs.push(line);
        if (v.logs.length > 10) v.logs.shift();
        events.push({ kind: "log", v, line, at });
      }
    }
    for (const w of s.warnings ?? []) {
      const v = this.vertices.get(w.vertex);
      events.push({ kind: "warning", v, short: Buffer.from(w.short ?? []).toString("utf8") });
    }
    return events;
  }
}
