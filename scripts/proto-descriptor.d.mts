export const PROTO_ENTRY_POINTS: string[];
export function protoDescriptor(protoDir: string): import("protobufjs").INamespace;
export const VIRTUAL_ID: string;
