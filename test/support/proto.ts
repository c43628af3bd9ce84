import { join } from "node:path";
import protobuf from "protobufjs";
import { repoRoot } from "./paths.js";

let root: protobuf.Root | undefined;

/** Our .proto files, parsed with protobufjs (independent of llb/'s hand-written encoder). */
export function loadProtoRoot(): protobuf.Root {
  root ??= protobuf.loadSync(join(repoRoot, "proto", "buildkit", "ops.proto"));
  return root;
}
