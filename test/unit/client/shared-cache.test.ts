/** imagespec-build's shared registry cache: on by default under the default repository, overridable, off on request. */
import { describe, expect, it } from "vitest";
import { parseArgs, UsageError, type BuildArgs } from "../../../client/cli/args.js";
import { imageCacheTag, sharedCacheEntries, sharedCacheRepository } from "../../../client/cli/shared-cache.js";

const base = ["--spec", "s.yaml", "--context", ".", "--frontend", "f:1"];
const build = (argv: string[], env: NodeJS.ProcessEnv = {}): BuildArgs => {
  const p = parseArgs([...base, ...argv], env);
  if (p.kind !== "build") throw new Error(p.kind);
  return p.args;
};
const repoOf = (a: BuildArgs) => sharedCacheRepository(a.sharedCache, a.defaultRepository);

describe("the shared cache", () => {
  it("is DEFAULT-REPOSITORY/imagespec-cache when a default repository is set, and none without one", () => {
    expect(repoOf(build(["--default-repository", "reg.corp/ml/"]))).toBe("reg.corp/ml/imagespec-cache");
    expect(repoOf(build([], { UNION_DEFAULT_REPOSITORY: "reg.corp/ml" }))).toBe("reg.corp/ml/imagespec-cache");
    expect(repoOf(build(["--target-image", "reg.corp/app:1"]))).toBeUndefined();
  });

  it("is the repository given by flag or env (the flag wins), or off", () => {
    expect(repoOf(build(["--default-repository", "r/ml", "--shared-cache", "cache.corp/fleet"]))).toBe("cache.corp/fleet");
    expect(repoOf(build(["--target-image", "r/app"], { IMAGESPEC_SHARED_CACHE: "cache.corp/fleet" }))).toBe("cache.corp/fleet");
    expect(repoOf(build(["--target-image", "r/app", "--shared-cache", "c/one"], { IMAGESPEC_SHARED_CACHE: "c/two" }))).toBe("c/one");
    expect(repoOf(build(["--default-repository", "r/ml", "--no-shared-cache"]))).toBeUndefined();
    expect(repoOf(build(["--default-repository", "r/ml", "--shared-cache", "off"]))).toBeUndefined();
    expect(repoOf(build(["--default-repository", "r/ml"], { IMAGESPEC_SHARED_CACHE: "off" }))).toBeUndefined();
  });

  it("refuses a tag or a malformed repository, naming the flag", () => {
    expect(() => repoOf(build(["--target-image", "r/app", "--shared-cache", "reg.corp/cache:v1"]))).toThrow(UsageError);
    expect(() => repoOf(build(["--target-image", "r/app", "--shared-cache", "Reg.Corp/Cache"]))).toThrow(/--shared-cache Reg\.Corp\/Cache: expected a repository/);
    expect(repoOf(build(["--target-image", "r/app", "--shared-cache", "127.0.0.1:5000/cache"]))).toBe("127.0.0.1:5000/cache");
  });

  it("imports and exports the image's own cache tag and the shared one, mode=max, never failing the build on export", () => {
    const e = sharedCacheEntries("reg.corp/ml/imagespec-cache", "reg.corp/ml/train", true);
    expect(e.imports.map((i) => i.attrs.ref)).toEqual(["reg.corp/ml/imagespec-cache:reg.corp-ml-train", "reg.corp/ml/imagespec-cache:shared"]);
    expect(e.exports.every((x) => x.type === "registry" && x.attrs.mode === "max" && x.attrs["ignore-error"] === "true" && x.attrs["registry.insecure"] === "true")).toBe(true);
    expect(sharedCacheEntries("c/x", "c/y", false).imports[0]!.attrs).toEqual({ ref: "c/x:c-y" });
  });

  it("makes a valid tag of any repository", () => {
    expect(imageCacheTag("127.0.0.1:5000/a/b")).toBe("127.0.0.1-5000-a-b");
    expect(imageCacheTag("x".repeat(300))).toHaveLength(128);
    expect(imageCacheTag("-.")).toBe("image");
  });
});
