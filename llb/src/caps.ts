/** Capability checks: which LLB and gateway features a BuildKit daemon supports. */
import { digestKeyedValues, type PbDefinition } from "./wire.js";

/** A capability as Ping reports it. */
export interface ApiCap {
  id: string;
  enabled?: boolean;
  deprecated?: boolean;
  disabledReason?: string;
  disabledReasonMsg?: string;
  disabledAlternative?: string;
}

/**
 * First BuildKit release whose caps.go registers each capability (LLB and gateway), read from
 * BuildKit's release tags; used in error messages. v0.3.0 is the first release with caps.
 */
export const CAP_SINCE: Readonly<Record<string, string>> = {
  // v0.3.0
  "source.image": "v0.3.0",
  "source.image.resolvemode": "v0.3.0",
  "source.local": "v0.3.0",
  "source.local.unique": "v0.3.0",
  "source.local.sessionid": "v0.3.0",
  "source.local.includepatterns": "v0.3.0",
  "source.local.followpaths": "v0.3.0",
  "source.local.excludepatterns": "v0.3.0",
  "source.local.sharedkeyhint": "v0.3.0",
  "source.git": "v0.3.0",
  "source.git.keepgitdir": "v0.3.0",
  "source.git.fullurl": "v0.3.0",
  "source.http": "v0.3.0",
  "source.http.checksum": "v0.3.0",
  "source.http.perm": "v0.3.0",
  "soruce.http.uidgid": "v0.3.0",
  "source.buildop.llbfilename": "v0.3.0",
  "exec.meta.base": "v0.3.0",
  "exec.meta.proxyenv": "v0.3.0",
  "exec.meta.network": "v0.3.0",
  "exec.meta.setsdefaultpath": "v0.3.0",
  "exec.mount.bind": "v0.3.0",
  "exec.mount.cache": "v0.3.0",
  "exec.mount.cache.sharing": "v0.3.0",
  "exec.mount.selector": "v0.3.0",
  "exec.mount.tmpfs": "v0.3.0",
  "exec.mount.secret": "v0.3.0",
  "exec.mount.ssh": "v0.3.0",
  "exec.cgroup": "v0.3.0",
  "constraints": "v0.3.0",
  "platform": "v0.3.0",
  "meta.ignorecache": "v0.3.0",
  "meta.description": "v0.3.0",
  "meta.exportcache": "v0.3.0",
  "solve.base": "v0.3.0",
  "solve.inlinereturn": "v0.3.0",
  "resolveimage": "v0.3.0",
  "resolveimage.resolvemode": "v0.3.0",
  "readfile": "v0.3.0",
  "return": "v0.3.0",
  "returnmap": "v0.3.0",
  "readdir": "v0.3.0",
  "statfile": "v0.3.0",
  // v0.4.0
  "importcaches": "v0.4.0",
  // v0.5.0
  "exec.meta.security": "v0.5.0",
  "file.base": "v0.5.0",
  // v0.7.0
  "exec.mount.bind.readwrite-nooutput": "v0.7.0",
  "exec.meta.security.devices.v1": "v0.7.0",
  "file.rm.wildcard": "v0.7.0",
  "proto.refarray": "v0.7.0",
  "reference.output": "v0.7.0",
  "frontend.inputs": "v0.7.0",
  // v0.8.0
  "source.git.httpauth": "v0.8.0",
  "source.git.knownsshhosts": "v0.8.0",
  "source.git.mountsshsock": "v0.8.0",
  "gateway.solve.metadata": "v0.8.0",
  "gateway.exec": "v0.8.0",
  "frontend.caps": "v0.8.0",
  "gateway.solve.evaluate": "v0.8.0",
  // v0.9.0
  "source.local.differ": "v0.9.0",
  "source.git.subdir": "v0.9.0",
  "file.copy.includeexcludepatterns": "v0.9.0",
  "cache.gha": "v0.9.0",
  // v0.10.0
  "exec.meta.cgroup.parent": "v0.10.0",
  "exec.meta.ulimit": "v0.10.0",
  "exec.mount.tmpfs.size": "v0.10.0",
  "exec.secretenv": "v0.10.0",
  "file.rm.nofollowsymlink": "v0.10.0",
  "mergeop": "v0.10.0",
  "diffop": "v0.10.0",
  "gateway.exec.extrahosts": "v0.10.0",
  "gateway.exec.signals": "v0.10.0",
  "gateway.warnings": "v0.10.0",
  // v0.11.0
  "source.image.layerlimit": "v0.11.0",
  "source.ocilayout": "v0.11.0",
  "cache.s3": "v0.11.0",
  "cache.azblob": "v0.11.0",
  "exporter.image.annotations": "v0.11.0",
  "exporter.image.attestations": "v0.11.0",
  "exporter.sourcedateepoch": "v0.11.0",
  "source.policy": "v0.11.0",
  "gateway.evaluate": "v0.11.0",
  "reference.attestations": "v0.11.0",
  // v0.12.0
  "gateway.exec.secretenv": "v0.12.0",
  // v0.13.0
  "exec.mount.cache.content": "v0.13.0",
  "exporter.multiple": "v0.13.0",
  "source.metaresolver": "v0.13.0",
  // v0.14.0
  "file.copy.alwaysreplaceexistingdestpaths": "v0.14.0",
  // v0.17.0
  "exec.validexitcode": "v0.17.0",
  "gc.freespacefilter": "v0.17.0",
  // v0.19.0
  "file.symlink.create": "v0.19.0",
  // v0.20.0
  "exec.meta.cdi": "v0.20.0",
  "history.filter": "v0.20.0",
  // v0.21.0
  "source.local.metadatatransfer": "v0.21.0",
  "source.http.auth": "v0.21.0",
  "source.http.header": "v0.21.0",
  "exporter.session": "v0.21.0",
  // v0.22.0
  "source.git.checksum": "v0.22.0",
  // v0.24.0
  "source.git.skipsubmodules": "v0.24.0",
  // v0.25.0
  "source.image.checksum": "v0.25.0",
  // v0.26.0
  "source.git.signatureverify": "v0.26.0",
  "file.copy.requiredpaths": "v0.26.0",
  "source.policy.session": "v0.26.0",
  // v0.27.0
  "gateway.exec.filesystem": "v0.27.0",
  // v0.28.0
  "source.http.signatureverify": "v0.28.0",
  "source.imageblob": "v0.28.0",
  "source.metaresolver.image.attestations": "v0.28.0",
  "source.metaresolver.http.checksumrequest": "v0.28.0",
  // v0.29.0
  "source.git.mtime": "v0.29.0",
  // v0.30.0
  "source.git.fetchbycommit": "v0.30.0",
  "source.git.bundle": "v0.30.0",
  "source.git.checkoutbundle": "v0.30.0",
  // v0.31.0
  "exec.meta.network.proxy": "v0.31.0",
  "exec.meta.linux.resources": "v0.31.0",
  "passthroughop": "v0.31.0",
};

/** Raised when a build needs a capability the daemon lacks. */
export class CapabilityError extends Error {
  constructor(
    readonly capability: string,
    readonly feature: string,
    detail?: string,
  ) {
    const since = CAP_SINCE[capability];
    super(
      `${feature} needs the BuildKit capability "${capability}"` +
        (since ? `, available since BuildKit ${since}` : "") +
        `; this daemon does not support it${detail ? ` (${detail})` : ""}`,
    );
    this.name = "CapabilityError";
  }
}

/** The set of enabled capabilities of one kind (LLB or gateway). */
export class CapSet {
  private readonly caps: ReadonlyMap<string, ApiCap>;

  constructor(caps: Iterable<ApiCap>) {
    this.caps = new Map([...caps].map((c) => [c.id, c]));
  }

  has(id: string): boolean {
    return this.caps.get(id)?.enabled === true;
  }

  /** Throws a {@link CapabilityError} naming the capability and the feature that needs it. */
  require(id: string, feature: string): void {
    if (this.has(id)) return;
    const cap = this.caps.get(id);
    const detail = cap?.disabledReasonMsg || cap?.disabledReason || undefined;
    throw new CapabilityError(id, feature, detail);
  }

  /** Checks every capability listed in a Definition's op metadata. */
  requireAll(def: PbDefinition): void {
    for (const md of digestKeyedValues(def.metadata)) {
      for (const id of Object.keys(md.caps ?? {})) this.require(id, `this build (op needing ${id})`);
    }
  }

  /** The ids of all enabled caps, sorted. */
  list(): string[] {
    return [...this.caps.values()].filter((c) => c.enabled).map((c) => c.id).sort();
  }
}
