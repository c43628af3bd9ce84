/**
 * Runs one claimed build through the client library: inputs, the target's tag, the
 * already-there check, a BuildKit of the ring, then the solves: with a scanner, the image as a
 * tarball and the scan first; the push; the signing (release-steps.ts). It reports the phases it
 * reaches and stops the solve when `signal` aborts (cancel, timeout, lost lease).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { defaultTag, specKey } from "../../client/cli/default-tag.js";
import { registryHost, resolveTarget } from "../../client/cli/target.js";
import { formatAddress } from "../../client/src/address.js";
import { registryAuth } from "../../client/src/auth/provider.js";
import { connectFirst, engineCanPush, type Builder } from "../../client/src/builder.js";
import { runBuild } from "../../client/src/build.js";
import { contextDigest } from "../../client/src/context-digest.js";
import { describeError } from "../../client/src/errors.js";
import { makeFilter } from "../../client/src/filesync/filter.js";
import { parseDockerignore } from "../../common/src/context/dockerignore.js";
import { plainPrinter } from "../../client/src/progress/plain.js";
import { RepositoryReader, tagDigest } from "../../client/src/registry.js";
import { attachedSboms } from "../../client/src/sbom.js";
import type { RegistryAuth } from "../../client/src/auth/provider.js";
import { HashRing } from "../../client/src/ring.js";
import type { Job, Outcome } from "../db/queue.js";
import { SBOM_OPTION, type Settings } from "../settings.js";
import type { BlobStore } from "../store/blob-store.js";
import { prepareInputs } from "./inputs.js";
import type { LogSink } from "./log-sink.js";
import { failureReason } from "./failure.js";
import { pushImage, scanBeforePush, signPushed, type Solve, type StepContext } from "./release-steps.js";

export type ExecuteSettings = Pick<Settings, "buildkit" | "frontendImage" | "registryAuth" | "network" | "operatorOptions" | "maxUploadBytes" | "release">;

/** The active states a build passes through after `running`. */
export type Phase = "scanning" | "pushing" | "signing";

export interface ExecuteContext {
  job: Job;
  work: string;
  store: BlobStore;
  settings: ExecuteSettings;
  secrets: Record<string, string>;
  log: LogSink;
  signal: AbortSignal;
  /** The build reached a new phase (`scanning`, `pushing` once the image is being exported, `signing`). */
  onPhase: (phase: Phase) => void;
  env?: NodeJS.ProcessEnv;
}

/** The frontend options of a build: the user's, then the service's own, which win. */
export function frontendAttrs(job: Pick<Job, "specFilename" | "platforms" | "frontendOptions">, s: Pick<Settings, "network" | "operatorOptions">): Record<string, string> {
  const attrs: Record<string, string> = { ...job.frontendOptions, filename: job.specFilename };
  if (job.platforms.length) attrs.platform = job.platforms.join(",");
  Object.assign(attrs, s.operatorOptions);
  if (s.network === "host") attrs["force-network-mode"] = "host";
  return attrs;
}

/** Whether a status message shows the image being exported or pushed. */
export function showsPush(status: Record<string, any>): boolean {
  return (
    (status.vertexes ?? []).some((v: { name?: string; started?: unknown }) => v.started && /^exporting to image|^pushing/i.test(v.name ?? "")) ||
    (status.statuses ?? []).some((s: { ID?: string }) => /^pushing/i.test(s.ID ?? ""))
  );
}

async function dockerignoreOf(dir: string): Promise<string[]> {
  try {
    return parseDockerignore(await readFile(join(dir, ".dockerignore"), "utf8"));
  } catch {
    return [];
  }
}

/**
 * Keeps a copy of the SBOMs attached to the pushed image (read back from the registry with the
 * build's credentials), for GET /v1/builds/{id}/sbom. The image is built and pushed either way:
 * a copy that cannot be kept is a line in the log, not a failed build.
 */
async function keepSboms(c: ExecuteContext, repository: string, digest: string, auth: RegistryAuth): Promise<void> {
  try {
    const sboms = await attachedSboms(new RepositoryReader(repository, registryHost(repository), { auth }), digest);
    if (sboms.length === 0) {
      c.log.line(`${repository}@${digest} has no SBOM attached; none kept`);
      return;
    }
    await c.store.keepSbom(c.job.id, JSON.stringify({ image: `${repository}@${digest}`, sboms }) + "\n");
    c.log.line(`kept the SBOM of ${sboms.map((s) => s.platform).join(", ")}`);
  } catch (e) {
    c.log.line(`the SBOM of ${repository}@${digest} could not be kept: ${describeError(e)}`);
  }
}

export async function executeBuild(c: ExecuteContext): Promise<Outcome> {
  const { job, settings: s, log } = c;
  const env = c.env ?? process.env;
  const frontendImage = s.frontendImage;
  if (!frontendImage) return { state: "failed", reason: "the service has no frontend image (IMAGESPEC_FRONTEND_IMAGE)" };
  let inputs;
  try {
    inputs = await prepareInputs(job, c.store, c.work, s.maxUploadBytes);
  } catch (e) {
    return { state: "failed", reason: failureReason((e as Error).message) };
  }
  const attrs = frontendAttrs(job, s);
  const target = resolveTarget(job.target, undefined);
  let tag = target.tag;
  if (!tag) {
    const filter = await makeFilter(inputs.contextDir, {}, [await dockerignoreOf(inputs.contextDir)]);
    tag = defaultTag({ spec: job.spec, context: await contextDigest(inputs.contextDir, filter), settings: attrs });
  }
  const ref = `${target.repository}:${tag}`;
  const auth = registryAuth(s.registryAuth, env);
  try {
    const existing = await tagDigest(target.repository, tag, registryHost(target.repository), { auth });
    if (existing) {
      log.line(`${ref} already exists (${existing}); not building`);
      if (SBOM_OPTION in attrs) await keepSboms(c, target.repository, existing, auth);
      return { state: "succeeded", result: `${ref}@${existing}`, alreadyExisted: true, target: ref };
    }
  } catch (e) {
    return { state: "failed", reason: `registry: ${(e as Error).message}`, target: ref };
  }

  const names = s.buildkit.map(formatAddress);
  const order = s.buildkit.length > 1 ? new HashRing(names).order(specKey(job.spec)).map((n) => s.buildkit[names.indexOf(n)]!) : s.buildkit;
  let builder: Builder;
  try {
    builder = await connectFirst(order, (b, e) => log.line(`BuildKit ${formatAddress(b)} did not answer (${e.message}); trying the next`));
  } catch (e) {
    return { state: "failed", reason: failureReason((e as Error).message), target: ref };
  }
  const stop = () => builder.close();
  c.signal.addEventListener("abort", stop);
  try {
    if (builder.address.kind === "docker" && !engineCanPush(builder.workers)) {
      return { state: "failed", reason: "this Docker engine keeps images in its graph-driver store, whose BuildKit cannot push", target: ref };
    }
    log.line(`building ${ref} on ${formatAddress(builder.address)} (attempt ${job.attempt} of ${job.maxAttempts})`);
    const release = s.release;
    /** One solve of the frontend with the given exporters; a failure becomes the build's reason. */
    const solve: Solve = async (exports, watchPush) => {
      const progress = plainPrinter((t) => log.write(t));
      let pushing = false;
      try {
        if (c.signal.aborted) throw new Error("aborted before the solve");
        const response = await runBuild(builder, {
          frontendImage,
          frontendAttrs: attrs,
          exports,
          // The service's network setting needs BuildKit's matching entitlement.
          entitlements: s.network === "host" ? ["network.host"] : [],
          dirs: [
            { name: "context", dir: inputs.contextDir, dockerignore: true },
            { name: "dockerfile", dir: inputs.specDir },
          ],
          auth,
          secrets: async (id) => (id in c.secrets ? Buffer.from(c.secrets[id]!, "utf8") : undefined),
          sharedKey: createHash("sha256").update(`${job.tenantId}/${job.target}`).digest("hex").slice(0, 32),
          onStatus: (st) => {
            progress.status(st);
            if (watchPush && !pushing && showsPush(st)) {
              pushing = true;
              c.onPhase("pushing");
            }
          },
        });
        progress.finish(false);
        return { response };
      } catch (e) {
        progress.finish(true);
        if (c.signal.aborted) return { failed: { state: "failed", reason: "aborted", target: ref } };
        const message = describeError(e);
        log.line(`error: ${message}`);
        return { failed: { state: "failed", reason: failureReason(message), target: ref } };
      }
    };

    const step: StepContext = { job, ref, repository: target.repository, work: c.work, store: c.store, log, signal: c.signal, onPhase: c.onPhase, env, solve };
    let scannedDigest: string | undefined;
    if (release.scanner) {
      const scanned = await scanBeforePush(step, builder, release.scanner);
      if ("failed" in scanned) return scanned.failed;
      scannedDigest = scanned.digest;
    }
    const pushed = await pushImage(step, scannedDigest);
    if ("failed" in pushed) return pushed.failed;
    if (SBOM_OPTION in attrs) await keepSboms(c, target.repository, pushed.digest, auth);
    if (release.signers.length > 0) return signPushed(step, release, pushed.digest);
    return { state: "succeeded", result: `${ref}@${pushed.digest}`, target: ref };
  } finally {
    c.signal.removeEventListener("abort", stop);
    builder.close();
  }
}
