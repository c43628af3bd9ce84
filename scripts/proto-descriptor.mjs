// Parses the .proto files under proto/ into a protobufjs JSON descriptor. The build inlines it
// into the bundle (and vitest into the test modules), so the frontend never parses .proto text
// at start-up and ships no .proto files.
import { join } from "node:path";
import protobuf from "protobufjs";

export const PROTO_ENTRY_POINTS = ["buildkit/gateway.proto", "flyteidl2/imagebuilder/definition.proto"];

export function protoDescriptor(protoDir) {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir, target);
  root.loadSync(PROTO_ENTRY_POINTS, { keepCase: true });
  root.resolveAll();
  return root.toJSON({ keepComments: false });
}

export const VIRTUAL_ID = "virtual:proto-descriptor";
