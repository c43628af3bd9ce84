/** Source ops: container images and local directories sent by the client session. */
import { randomBytes } from "node:crypto";
import type { Platform } from "./platform.js";
import { normalizeImageReference } from "./reference.js";
import type { SourceLocation } from "./sourcemap.js";
import { encodeOpWith, NO_LOCATIONS, opMetadata, type MarshalContext, type MarshaledVertex, type OpOptions, type Vertex } from "./vertex.js";
import { OpField, writeSourceOp, type PbOpMetadata, type PbSourceOp } from "./wire.js";

/** How an image reference is resolved: registry first (`pull`), local first (`local`) or the daemon default. */
export type ResolveMode = "default" | "pull" | "local";

/** Options of {@link image}. */
export interface ImageOptions extends OpOptions {
  /** Platform of the image to pull; also becomes the state's platform. */
  platform?: Platform;
  /** `pull` always checks the registry; `local` prefers the daemon's copy. */
  resolveMode?: ResolveMode;
  /** `image.recordtype` (e.g. `internal` for helper images). */
  recordType?: string;
  /** Use only the first N layers. */
  layerLimit?: number;
  /** Expected digest of the image (`image.checksum`). */
  checksum?: string;
}

/** Options of {@link local}. */
export interface LocalOptions extends OpOptions {
  /** The client session that serves the directory (BUILDKIT_SESSION_ID). */
  sessionId?: string;
  /** Cache-busting identifier used when there is no session (random by default). */
  uniqueId?: string;
  /** Only paths matching these patterns are transferred. */
  includePatterns?: readonly string[];
  /** Paths matching these patterns are not transferred (`.dockerignore`). */
  excludePatterns?: readonly string[];
  /** Only these paths (and the parents and symlink targets they need) are transferred. */
  followPaths?: readonly string[];
  /** Key under which BuildKit keeps the transferred copy between builds. */
  sharedKeyHint?: string;
  /** How changed files are detected; `required` makes it a hard requirement. */
  differ?: { type: "none" | "metadata"; required?: boolean };
  /** Transfer only metadata, except for paths in `metadataExceptions`. */
  metadataOnly?: { exceptions?: readonly string[] };
}

export class SourceVertex implements Vertex {
  readonly inputs = [] as const;
  private readonly op: PbSourceOp;
  private readonly metadata: PbOpMetadata;
  private readonly locations: readonly SourceLocation[];

  constructor(
    readonly identifier: string,
    readonly attrs: Readonly<Record<string, string>>,
    caps: readonly string[],
    opts: OpOptions,
    private readonly platform: Platform | "default" | undefined,
  ) {
    this.op = { identifier, attrs: Object.keys(attrs).length > 0 ? attrs : undefined };
    this.metadata = opMetadata(opts, caps);
    this.locations = opts.sourceLocations ?? NO_LOCATIONS;
  }

  marshal(ctx: MarshalContext): MarshaledVertex {
    const platform = this.platform === "default" ? ctx.defaultPlatform : this.platform;
    const op = this.op;
    const bytes = encodeOpWith([], platform, OpField.Source, (w) => writeSourceOp(w, op));
    return { bytes, metadata: this.metadata, locations: this.locations };
  }
}

export function imageVertex(ref: string, opts: ImageOptions): SourceVertex {
  const attrs: Record<string, string> = {};
  const caps = ["source.image"];
  if (opts.resolveMode && opts.resolveMode !== "default") {
    attrs["image.resolvemode"] = opts.resolveMode;
    if (opts.resolveMode === "pull") caps.push("source.image.resolvemode");
  }
  if (opts.recordType) attrs["image.recordtype"] = opts.recordType;
  if (opts.layerLimit !== undefined) {
    attrs["image.layerlimit"] = String(opts.layerLimit);
    caps.push("source.image.layerlimit");
  }
  if (opts.checksum) {
    attrs["image.checksum"] = opts.checksum;
    caps.push("source.image.checksum");
  }
  return new SourceVertex(
    "docker-image://" + normalizeImageReference(ref),
    attrs,
    caps,
    opts,
    opts.platform ?? "default",
  );
}

/** A random 25-character base-36 id, the shape BuildKit's identity.NewID produces. */
export function randomId(): string {
  const bytes = randomBytes(16);
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n.toString(36).padStart(25, "0").slice(-25);
}

export function localVertex(name: string, opts: LocalOptions): SourceVertex {
  if (!name) throw new Error("local source needs a name");
  const attrs: Record<string, string> = {};
  const caps = ["source.local"];
  if (opts.sessionId) {
    attrs["local.session"] = opts.sessionId;
    caps.push("source.local.sessionid");
  } else {
    attrs["local.unique"] = opts.uniqueId ?? randomId();
    caps.push("source.local.unique");
  }
  if (opts.includePatterns && opts.includePatterns.length > 0) {
    attrs["local.includepattern"] = JSON.stringify(opts.includePatterns);
    caps.push("source.local.includepatterns");
  }
  if (opts.followPaths && opts.followPaths.length > 0) {
    attrs["local.followpaths"] = JSON.stringify(opts.followPaths);
    caps.push("source.local.followpaths");
  }
  if (opts.excludePatterns && opts.excludePatterns.length > 0) {
    attrs["local.excludepatterns"] = JSON.stringify(opts.excludePatterns);
    caps.push("source.local.excludepatterns");
  }
  if (opts.sharedKeyHint) {
    attrs["local.sharedkeyhint"] = opts.sharedKeyHint;
    caps.push("source.local.sharedkeyhint");
  }
  if (opts.differ) {
    attrs["local.differ"] = opts.differ.type;
    if (opts.differ.required) caps.push("source.local.differ");
  }
  if (opts.metadataOnly) {
    attrs["local.metadatatransfer"] = "true";
    if (opts.metadataOnly.exceptions && opts.metadataOnly.exceptions.length > 0) {
      attrs["local.metadatatransferexclude"] = JSON.stringify(opts.metadataOnly.exceptions);
    }
    caps.push("source.local.metadatatransfer");
  }
  return new SourceVertex("local://" + name, attrs, caps, opts, undefined);
}
