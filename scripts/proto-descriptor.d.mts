export const PROTO_ENTRY_POINTS: string[];
export const CLIENT_PROTO_ENTRY_POINTS: string[];
export function protoDescriptor(protoDir: string, entryPoints?: string[]): import("protobufjs").INamespace;
export const VIRTUAL_ID: string;
export const CLIENT_VIRTUAL_ID: string;
export const VIRTUAL_DESCRIPTORS: Record<string, string[]>;
