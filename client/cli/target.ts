/** The image reference to push: a full reference, or a name under the default repository. */
import { UsageError } from "./args.js";

export interface Target {
  /** `host/path/name`, without tag. */
  repository: string;
  tag?: string;
}

function splitTag(ref: string): Target {
  if (ref.includes("@")) throw new UsageError(`--target-image ${ref}: a digest cannot be a target; give a tag`);
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon > slash) {
    const tag = ref.slice(colon + 1);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw new UsageError(`--target-image ${ref}: ${JSON.stringify(tag)} is not a valid tag`);
    return { repository: ref.slice(0, colon), tag };
  }
  return { repository: ref };
}

/** A repository reference as docker writes it: lowercase `host[:port]/path`, no empty path segment. */
export function isRepository(ref: string): boolean {
  return /^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$/.test(ref) && !ref.includes("//");
}

/**
 * A target without `/` is a name completed with the default repository (`app:1` →
 * `REPO/app:1`); no target at all is the default repository itself.
 */
export function resolveTarget(targetImage: string | undefined, defaultRepository: string | undefined): Target {
  let ref: string;
  if (!targetImage) {
    if (!defaultRepository) throw new UsageError("--target-image or --default-repository is required");
    ref = defaultRepository;
  } else if (!targetImage.includes("/") && defaultRepository) ref = `${defaultRepository}/${targetImage}`;
  else ref = targetImage;
  const target = splitTag(ref);
  if (!isRepository(target.repository)) {
    throw new UsageError(`${ref}: not a valid image reference (lowercase host/path/name)`);
  }
  return target;
}

/** The registry host of a repository, as docker reads it (no dot, colon or localhost: Docker Hub). */
export function registryHost(repository: string): string {
  const first = repository.split("/")[0]!;
  const isHost = repository.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return isHost ? first : "docker.io";
}
