/**
 * A failed solve as a message for people: the daemon's error text and, where the error carries
 * a source location (the frontend points at spec lines), those lines of the spec.
 */
import { GrpcError } from "../../common/src/wire/grpc-status.js";
import { codec } from "./proto.js";

interface SourceDetail {
  filename: string;
  data: Buffer;
  ranges: { start: number; end: number }[];
}

const CONTEXT_LINES = 2;

function sourcesOf(statusDetails: Buffer): SourceDetail[] {
  const status = codec("google.rpc.Status").decode(statusDetails);
  const out: SourceDetail[] = [];
  for (const d of status.details ?? []) {
    const url = String(d.type_url ?? "");
    if (!/errdefs\.Source/.test(url)) continue;
    try {
      const value: Buffer = d.value;
      const s = url.endsWith("+json") ? JSON.parse(value.toString("utf8")) : codec("errdefs.Source").decode(value);
      const data = typeof s.info?.data === "string" ? Buffer.from(s.info.data, "base64") : Buffer.from(s.info?.data ?? []);
      out.push({
        filename: s.info?.filename ?? "",
        data,
        ranges: (s.ranges ?? []).map((r: any) => {
          const start = Number(r.start?.line ?? 0);
          let end = Number(r.end?.line ?? start);
          // A range ending at character 0 of a later line ends with the line before it.
          if (end > start && !Number(r.end?.character ?? 0)) end--;
          return { start, end };
        }),
      });
    } catch {
      // A detail we cannot read is left out; the message still says what failed.
    }
  }
  return out;
}

export function formatSource(s: SourceDetail): string {
  const lines = s.data.toString("utf8").split("\n");
  const out: string[] = [];
  for (const r of s.ranges) {
    if (r.start < 1) continue;
    const from = Math.max(1, r.start - CONTEXT_LINES);
    const to = Math.min(lines.length, Math.max(r.end, r.start) + CONTEXT_LINES);
    const width = String(to).length;
    out.push(`${s.filename}:${r.start}`, "--------------------");
    for (let n = from; n <= to; n++) {
      const mark = n >= r.start && n <= Math.max(r.end, r.start) ? ">>> " : "    ";
      out.push(`${String(n).padStart(width)} | ${mark}${lines[n - 1] ?? ""}`);
    }
    out.push("--------------------");
  }
  return out.join("\n");
}

export function describeError(e: unknown): string {
  if (e instanceof GrpcError) {
    const parts: string[] = [];
    if (e.statusDetails) {
      try {
        for (const s of sourcesOf(e.statusDetails)) parts.push(formatSource(s));
      } catch {
        // not a google.rpc.Status: only the message then
      }
    }
    parts.push(e.details);
    return parts.filter(Boolean).join("\n");
  }
  return e instanceof Error ? e.message : String(e);
}
