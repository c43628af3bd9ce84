/** Decodes a Definition with our .proto files so tests can assert on ops as plain objects. */
import type { Definition } from "../../llb/src/index.js";
import { loadProtoRoot } from "./proto.js";

export interface DecodedOp {
  digest: string;
  op: Record<string, any>;
  name?: string;
}

export function decodeOps(def: Definition): DecodedOp[] {
  const Op = loadProtoRoot().lookupType("pb.Op");
  return def.def.map((bytes, i) => {
    const digest = def.digests[i]!;
    const op = Op.toObject(Op.decode(bytes), { longs: Number, enums: String, bytes: String, defaults: false });
    const name = def.metadata.get(digest)?.description?.["llb.customname"];
    return name ? { digest, op, name } : { digest, op };
  });
}

/** Exec ops in definition order. */
export function execOps(def: Definition): DecodedOp[] {
  return decodeOps(def).filter((o) => o.op.exec);
}

export function envOf(op: DecodedOp): Record<string, string> {
  const env: string[] = op.op.exec.meta.env ?? [];
  return Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

export function mountAt(op: DecodedOp, dest: string): Record<string, any> | undefined {
  return (op.op.exec.mounts as Record<string, any>[]).find((m) => m.dest === dest);
}
