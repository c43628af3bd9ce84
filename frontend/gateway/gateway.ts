/** High-level calls on the LLBBridge: ping, solve, read files, resolve images, return. */
import { CapSet } from "../../llb/src/caps.js";
import { type Definition } from "../../llb/src/marshal.js";
import { type Platform } from "../../llb/src/platform.js";
import { BridgeError, type LLBBridgeClient } from "../protocol/client.js";
import type { Pong } from "../protocol/responses.js";
import type { CacheImport } from "../options/options.js";

export interface Caps {
  gateway: CapSet;
  llb: CapSet;
}

export interface ResolvedImage {
  /** Digest of the manifest or index the reference resolved to. */
  digest: string;
  config: Uint8Array;
  /** The reference as the daemon resolved it (source policies may rewrite it). */
  ref: string;
}

export interface DirEntry {
  path: string;
  mode: number;
  size: number;
  linkname: string;
}

function pbPlatform(p: Platform): Record<string, unknown> {
  return {
    OS: p.os,
    Architecture: p.architecture,
    ...(p.variant ? { Variant: p.variant } : {}),
    ...(p.osVersion ? { OSVersion: p.osVersion } : {}),
    ...(p.osFeatures ? { OSFeatures: p.osFeatures } : {}),
  };
}

export class Gateway {
  /** Milliseconds from process start to the first Solve request, for the start-up benchmark. */
  firstSolveAt: number | undefined;
  /** Milliseconds from process start to the Ping answer. */
  pingAnsweredAt: number | undefined;

  constructor(readonly client: LLBBridgeClient) {}

  async ping(): Promise<Caps> {
    const pong = (await this.client.call("Ping", {})) as Pong;
    this.pingAnsweredAt ??= performance.now();
    return { gateway: new CapSet(pong.FrontendAPICaps), llb: new CapSet(pong.LLBCaps) };
  }

  /** Solves a Definition and returns the result's ref id (lazy unless `evaluate`). */
  async solve(def: Definition, opts: { evaluate?: boolean; cacheImports?: readonly CacheImport[] } = {}): Promise<string> {
    this.firstSolveAt ??= performance.now();
    const res = await this.client.call(
      "Solve",
      {
        allowResultReturn: true,
        allowResultArrayRef: true,
        ...(opts.evaluate ? { Evaluate: true } : {}),
        ...(opts.cacheImports && opts.cacheImports.length > 0 ? { CacheImports: opts.cacheImports } : {}),
      },
      { field: 1, def },
    );
    const id = res.result?.ref?.id;
    if (typeof id !== "string") throw new Error("solve returned no single ref");
    return id;
  }

  async readFile(ref: string, path: string, maxBytes?: number): Promise<Uint8Array> {
    const res = await this.client.call("ReadFile", {
      Ref: ref,
      FilePath: path,
      ...(maxBytes !== undefined ? { Range: { Offset: 0, Length: maxBytes } } : {}),
    });
    return res.Data ?? new Uint8Array();
  }

  /** Reads a file, or undefined when it does not exist. */
  async readFileIfExists(ref: string, path: string, maxBytes?: number): Promise<Uint8Array | undefined> {
    try {
      return await this.readFile(ref, path, maxBytes);
    } catch (e) {
      if (e instanceof BridgeError && /no such file|not a regular file|not found/i.test(e.details)) return undefined;
      throw e;
    }
  }

  async readDir(ref: string, dir: string, includePattern?: string): Promise<DirEntry[]> {
    const res = await this.client.call("ReadDir", { Ref: ref, DirPath: dir, ...(includePattern ? { IncludePattern: includePattern } : {}) });
    return ((res.entries ?? []) as Record<string, unknown>[]).map(toDirEntry);
  }

  async readDirIfExists(ref: string, dir: string, includePattern?: string): Promise<DirEntry[]> {
    try {
      return await this.readDir(ref, dir, includePattern);
    } catch (e) {
      if (e instanceof BridgeError && /no such file|not a directory|not found/i.test(e.details)) return [];
      throw e;
    }
  }

  async statFile(ref: string, path: string): Promise<DirEntry | undefined> {
    try {
      const res = await this.client.call("StatFile", { Ref: ref, Path: path });
      const s = res.stat as Record<string, unknown> | undefined;
      return s ? toDirEntry(s) : undefined;
    } catch (e) {
      if (e instanceof BridgeError && /no such file|not found/i.test(e.details)) return undefined;
      throw e;
    }
  }

  async resolveImage(ref: string, platform: Platform, resolveMode: string, useSourceMeta: boolean): Promise<ResolvedImage> {
    const logName = `[internal] load metadata for ${ref}`;
    if (useSourceMeta) {
      const res = await this.client.call("ResolveSourceMeta", {
        Source: { identifier: `docker-image://${ref}` },
        Platform: pbPlatform(platform),
        LogName: logName,
        ResolveMode: resolveMode,
      });
      const image = res.Image as { Digest?: string; Config?: Uint8Array } | undefined;
      if (!image?.Config) throw new Error(`base image ${ref} did not resolve to an image`);
      const id = String(res.Source?.identifier ?? `docker-image://${ref}`);
      return { digest: String(image.Digest ?? ""), config: image.Config, ref: id.replace(/^docker-image:\/\//, "") };
    }
    const res = await this.client.call("ResolveImageConfig", {
      Ref: ref,
      Platform: pbPlatform(platform),
      ResolveMode: resolveMode,
      LogName: logName,
    });
    return { digest: String(res.Digest ?? ""), config: res.Config ?? new Uint8Array(), ref: String(res.Ref || ref) };
  }

  /** A warning shown with the build's progress (and in buildx's summary at the end). */
  async warn(w: {
    digest: string;
    short: string;
    detail: string[];
    url: string;
    info?: { filename: string; data: Uint8Array; language: string };
    ranges?: { start: { line: number; character: number }; end: { line: number; character: number } }[];
  }): Promise<void> {
    await this.client.call("Warn", {
      digest: w.digest,
      level: 1,
      short: Buffer.from(w.short),
      detail: w.detail.map((d) => Buffer.from(d)),
      url: w.url,
      ...(w.info ? { info: w.info } : {}),
      ...(w.ranges ? { ranges: w.ranges } : {}),
    });
  }

  async returnResult(result: Record<string, unknown>): Promise<void> {
    await this.client.call("Return", { result });
  }

  async returnError(status: { code: number; message: string; details: { type_url: string; value: Uint8Array }[] }): Promise<void> {
    await this.client.call("Return", { error: status });
  }
}

/** A file's stat (fsutil.types.Stat) as the daemon sends it, with its zero values filled in. */
function toDirEntry(s: Record<string, unknown>): DirEntry {
  return { path: String(s.path ?? ""), mode: Number(s.mode ?? 0), size: Number(s.size ?? 0), linkname: String(s.linkname ?? "") };
}
