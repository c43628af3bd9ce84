/** The environment buildkitd gives a gateway frontend. */
import { normalizePlatform, type Platform } from "../../llb/src/platform.js";

export interface FrontendEnv {
  /** Every frontend option, key to value (BUILDKIT_FRONTEND_OPT_*). */
  opts: Map<string, string>;
  sessionId: string;
  /** Platforms of the default worker, first is the default build platform. */
  workerPlatforms: Platform[];
  buildkitVersion?: string;
}

export function readFrontendEnv(env: NodeJS.ProcessEnv = process.env): FrontendEnv {
  const opts = new Map<string, string>();
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("BUILDKIT_FRONTEND_OPT_") || raw === undefined) continue;
    const i = raw.indexOf("=");
    if (i < 0) opts.set(raw, "");
    else opts.set(raw.slice(0, i), raw.slice(i + 1));
  }
  let workerPlatforms: Platform[] = [];
  let buildkitVersion: string | undefined;
  try {
    const workers = JSON.parse(env.BUILDKIT_WORKERS || "[]") as {
      platforms?: { architecture: string; os: string; variant?: string }[];
      buildkitVersion?: { version?: string };
    }[];
    workerPlatforms = (workers[0]?.platforms ?? []).map((p) =>
      normalizePlatform({ os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) }),
    );
    buildkitVersion = workers[0]?.buildkitVersion?.version;
  } catch {
    // An unreadable worker list only loses the default platform; Ping still works.
  }
  return { opts, sessionId: env.BUILDKIT_SESSION_ID ?? "", workerPlatforms, ...(buildkitVersion ? { buildkitVersion } : {}) };
}
