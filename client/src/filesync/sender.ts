/**
 * The sending side of fsutil's DiffCopy: every STAT in walk order, an empty packet after the
 * last, then each requested file as DATA chunks closed by an empty DATA; FIN is answered by FIN.
 * Files are read as streams, one at a time, never whole.
 */
import { createReadStream } from "node:fs";
import type { WalkEntry } from "./walk.js";
import { PacketType, type Packet } from "./wire.js";

export interface PacketConn {
  /** Resolves once the packet may be followed by another (the transport's backpressure). */
  send(p: Packet): Promise<void>;
  readonly incoming: AsyncIterable<Packet>;
}

/** fsutil's sender reads with a 32 KiB buffer; chunks of that size keep the same packet sizes. */
export const CHUNK_BYTES = 32 * 1024;

export async function sendFiles(entries: AsyncIterable<WalkEntry>, conn: PacketConn): Promise<void> {
  const files = new Map<number, string>();
  const queue: { id: number; abs: string }[] = [];
  let finReceived = false;
  let statsSent = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };

  const sendStats = async () => {
    let i = 0;
    try {
      for await (const e of entries) {
        if (e.regular) files.set(i, e.abs);
        await conn.send({ type: PacketType.STAT, stat: e.stat });
        i++;
      }
    } catch (err) {
      await conn.send({ type: PacketType.ERR, data: Buffer.from(String((err as Error).message ?? err)) }).catch(() => undefined);
      throw err;
    }
    await conn.send({ type: PacketType.STAT });
    statsSent = true;
    notify();
  };

  const receive = async () => {
    for await (const p of conn.incoming) {
      if (p.type === PacketType.REQ) {
        const id = p.id ?? 0;
        const abs = files.get(id);
        if (abs === undefined) throw new Error(`invalid file id ${id}`);
        files.delete(id);
        queue.push({ id, abs });
      } else if (p.type === PacketType.FIN) {
        finReceived = true;
      } else if (p.type === PacketType.ERR) {
        throw new Error(`the receiver failed: ${Buffer.from(p.data ?? []).toString("utf8")}`);
      } else throw new Error(`unexpected packet type ${p.type} from the receiver`);
      notify();
      if (finReceived) return;
    }
    throw new Error("the receiver closed the transfer without FIN");
  };

  const sendData = async () => {
    for (;;) {
      const next = queue.shift();
      if (next) {
        for await (const chunk of createReadStream(next.abs, { highWaterMark: CHUNK_BYTES })) {
          await conn.send({ type: PacketType.DATA, id: next.id, data: chunk as Buffer });
        }
        await conn.send({ type: PacketType.DATA, id: next.id });
        continue;
      }
      if (finReceived && statsSent) return;
      await new Promise<void>((r) => (wake = r));
    }
  };

  // Each part fails the whole; the first failure is the one reported.
  await new Promise<void>((resolve, reject) => {
    let done = 0;
    for (const part of [sendStats(), receive(), sendData()]) part.then(() => ++done === 3 && resolve(), reject);
  });
  await conn.send({ type: PacketType.FIN });
}
