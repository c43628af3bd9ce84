/** The image exporter's attributes of the build task's push. */

/**
 * Pushes `ref`. `rewrite-timestamp`: the exporter clamps the file times in the layers the build
 * made to the build's epoch (SOURCE_DATE_EPOCH, or the one the frontend returns), so a rebuild of
 * the same inputs pushes the same digest (the README's "Reproducible images"). `store=false`: the
 * exporter refuses rewrite-timestamp together with unpacking into the builder's own image store
 * (which Docker Engine's builder does by default), and a push does not need it.
 */
export function pushExportAttrs(ref: string, insecureRegistry: boolean): Record<string, string> {
  return { name: ref, push: "true", "rewrite-timestamp": "true", store: "false", ...(insecureRegistry ? { "registry.insecure": "true" } : {}) };
}
