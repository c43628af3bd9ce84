/** The Control.Solve request for a gateway frontend build, as buildctl would send it (path A). */

export interface CacheEntry {
  type: string;
  attrs: Record<string, string>;
}

export interface ExportEntry {
  type: "image" | "oci" | "tar" | "docker";
  attrs: Record<string, string>;
  /** For oci/tar/docker: the file the archive is written to, through the session. */
  dest?: string;
}

export interface SolveOptions {
  /** The frontend image, run by the daemon as `gateway.v0` with `source` set to it. */
  frontendImage: string;
  frontendAttrs?: Record<string, string>;
  exports?: readonly ExportEntry[];
  cacheImports?: readonly CacheEntry[];
  cacheExports?: readonly CacheEntry[];
  entitlements?: readonly string[];
}

const entry = (e: CacheEntry) => ({ Type: e.type, Attrs: e.attrs });

export function solveRequest(ref: string, sessionId: string, o: SolveOptions): Record<string, any> {
  const attrs: Record<string, string> = { ...o.frontendAttrs, source: o.frontendImage };
  const imports = o.cacheImports ?? [];
  // The frontend sees cache imports only through this attribute (it passes them to its solves).
  if (imports.length) attrs["cache-imports"] = JSON.stringify(imports.map((e) => ({ Type: e.type, Attrs: e.attrs })));
  const exports = (o.cacheExports ?? []).map((e) => ({ ...e, attrs: { mode: "min", ...e.attrs } }));
  const exporters = (o.exports ?? []).map((e) => ({ Type: e.type, Attrs: e.attrs }));
  const req: Record<string, any> = {
    Ref: ref,
    Session: sessionId,
    Frontend: "gateway.v0",
    FrontendAttrs: attrs,
    Cache: { Imports: imports.map(entry), Exports: exports.map(entry) },
    Entitlements: [...(o.entitlements ?? [])],
    Exporters: exporters,
  };
  // Older daemons read only the single deprecated exporter; newer ones ignore it when Exporters is set.
  if (exporters[0]) {
    req.ExporterDeprecated = exporters[0].Type;
    req.ExporterAttrsDeprecated = exporters[0].Attrs;
  }
  return req;
}

/**
 * The Control.Solve request for an LLB definition of our own (no frontend): what `buildctl build`
 * sends for piped LLB. `definition` is the encoded pb.Definition.
 */
export function definitionSolveRequest(ref: string, sessionId: string, definition: Record<string, any>, o: Pick<SolveOptions, "exports" | "entitlements">): Record<string, any> {
  const exporters = (o.exports ?? []).map((e) => ({ Type: e.type, Attrs: e.attrs }));
  const req: Record<string, any> = {
    Ref: ref,
    Session: sessionId,
    Definition: definition,
    Entitlements: [...(o.entitlements ?? [])],
    Exporters: exporters,
  };
  if (exporters[0]) {
    req.ExporterDeprecated = exporters[0].Type;
    req.ExporterAttrsDeprecated = exporters[0].Attrs;
  }
  return req;
}
