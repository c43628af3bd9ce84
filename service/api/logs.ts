/**
 * A build's log over HTTP: the bytes from an offset, or followed live until the build ends,
 * as chunked text or as server-sent events whose ids are byte offsets (so a client that
 * reconnects with Last-Event-ID resumes exactly where it was).
 */
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { BlobStore } from "../store/blob-store.js";

export interface FollowOptions {
  store: BlobStore;
  buildId: string;
  offset: number;
  sse: boolean;
  /** Whether the build has ended (its log is then complete). */
  ended: () => Promise<boolean>;
  pollMs?: number;
}

function sseEvent(text: string, id: number): string {
  return text.split("\n").map((l) => `data: ${l}\n`).join("") + `id: ${id}\n\n`;
}

export async function followLog(res: ServerResponse, o: FollowOptions): Promise<void> {
  let closed = false;
  res.on("close", () => (closed = true));
  res.writeHead(200, {
    "Content-Type": o.sse ? "text/event-stream; charset=utf-8" : "text/plain; charset=utf-8",
    "Cache-Control": "no-store",
    "X-Accel-Buffering": "no",
  });
  let offset = o.offset;
  let endedSeen = false;
  while (!closed) {
    const { data } = await o.store.readLog(o.buildId, offset);
    // SSE sends whole lines only; the rest waits for its newline (or for the end).
    let usable = data;
    if (o.sse && !endedSeen) {
      const nl = data.lastIndexOf(0x0a);
      usable = data.subarray(0, nl + 1);
    }
    if (usable.length > 0) {
      offset += usable.length;
      const text = usable.toString("utf8");
      res.write(o.sse ? sseEvent(text.replace(/\n$/, ""), offset) : text);
      continue;
    }
    if (endedSeen) break;
    // Read once more after seeing the end: what was written before it is then all there.
    if (await o.ended()) {
      endedSeen = true;
      continue;
    }
    await sleep(o.pollMs ?? 300);
  }
  if (!closed) {
    if (o.sse) res.write(`event: end\ndata: \nid: ${offset}\n\n`);
    res.end();
  }
}
