/**
 * The fleet's shared build cache. Build pods are often new and empty; with a registry cache that
 * every build exports and imports, a new builder reuses every package layer any earlier build
 * made instead of installing it again.
 *
 * A registry cache ref is one manifest that its last exporter overwrites, so each build exports
 * twice and imports both: `<cache>:<its image>` (its own last cache, kept whatever other images
 * do) and `<cache>:shared` (the last build's, whatever its image: a sibling spec's packages).
 */
import type { CacheEntry } from "../src/index.js";
import { UsageError } from "./args.js";
import { isRepository } from "./target.js";

export const SHARED_TAG = "shared";

/** The cache repository: given, off, or `<default repository>/imagespec-cache`. */
export function sharedCacheRepository(given: string | false | undefined, defaultRepository: string | undefined): string | undefined {
  if (given === false) return undefined;
  const repo = given ?? (defaultRepository ? `${defaultRepository}/imagespec-cache` : undefined);
  // A colon after the host is a tag: a cache repository has none (its tags are ours).
  if (repo !== undefined && (!isRepository(repo) || /:[^/]*$/.test(repo.split("/").slice(1).join("/")))) {
    throw new UsageError(`--shared-cache ${repo}: expected a repository (lowercase host/path, no tag), or "off"`);
  }
  return repo;
}

/** A tag naming an image repository: its path with every other character as "-". */
export function imageCacheTag(imageRepository: string): string {
  const tag = imageRepository.replace(/[^\w.-]+/g, "-").replace(/^[.-]+/, "");
  return (tag || "image").slice(-128);
}

export function sharedCacheEntries(repo: string, imageRepository: string, insecure: boolean): { imports: CacheEntry[]; exports: CacheEntry[] } {
  const refs = [`${repo}:${imageCacheTag(imageRepository)}`, `${repo}:${SHARED_TAG}`];
  const extra: Record<string, string> = insecure ? { "registry.insecure": "true" } : {};
  return {
    imports: refs.map((ref) => ({ type: "registry", attrs: { ref, ...extra } })),
    // mode=max: every step's result, so a package's install step is found even when the image it came from differs.
    exports: refs.map((ref) => ({ type: "registry", attrs: { ref, mode: "max", "ignore-error": "true", ...extra } })),
  };
}
