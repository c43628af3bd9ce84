// Parses the .proto files under proto/ into protobufjs JSON descriptors. The build inlines them
// into the bundles (and vitest into the test modules), so no code parses .proto text at
// start-up and no .proto files ship. The frontend and the BuildKit client each get their own.
import { join } from "node:path";
import protobuf from "protobufjs";

export const PROTO_ENTRY_POINTS = ["buildkit/gateway.proto", "flyteidl2/imagebuilder/definition.proto"];
export const CLIENT_PROTO_ENTRY_POINTS = [
  "buildkit/control.proto",
  "fsutil/wire.proto",
  "session/auth.proto",
  "session/secrets.proto",
  "grpc/health.proto",
  "google/rpc/status.proto",
  "buildkit/errdefs.proto",
];

export function protoDescriptor(protoDir, entryPoints = PROTO_ENTRY_POINTS) {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir, target);
  root.loadSync(entryPoints, { keepCase: true });
  root.resolveAll();
  return root.toJSON({ keepComments: false });
}

export const VIRTUAL_ID = "virtual:proto-descriptor";
export const CLIENT_VIRTUAL_ID = "virtual:client-proto-descriptor";

/** The virtual module ids the bundles import, each with the entry points of its descriptor. */
export const VIRTUAL_DESCRIPTORS = { [VIRTUAL_ID]: PROTO_ENTRY_POINTS, [CLIENT_VIRTUAL_ID]: CLIENT_PROTO_ENTRY_POINTS };
