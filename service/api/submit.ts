/** Turns a checked build request into a new build row, or a RequestError naming the field. */
import { randomUUID } from "node:crypto";
import { resolveTarget } from "../../client/cli/target.js";
import { loadSpec } from "../../frontend/imagespec/load.js";
import type { NewBuild } from "../db/builds.js";
import type { Tenant } from "../db/tenants.js";
import { sealSecrets } from "../secrets.js";
import { RESERVED_OPTIONS, SBOM_OPTION, type Settings } from "../settings.js";

export class RequestError extends Error {
  override name = "RequestError";
  constructor(
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

export interface BuildRequest {
  spec?: string;
  specBase64?: string;
  specFilename?: string;
  context?: { upload?: string; url?: string };
  target: string;
  platforms?: string[];
  frontendOptions?: Record<string, string>;
  secrets?: Record<string, string>;
  /** Attach the frontend's SBOM (the frontend option `attest:sbom`), and keep a copy. */
  sbom?: boolean;
  idempotencyKey?: string;
  priority?: number;
  timeoutSeconds?: number;
}

type SubmitSettings = Pick<Settings, "defaultRepository" | "defaultTimeoutSeconds" | "maxTimeoutSeconds" | "maxAttempts" | "secretKey">;

function specOf(r: BuildRequest): { data: Buffer; filename: string } {
  if ((r.spec === undefined) === (r.specBase64 === undefined)) throw new RequestError("spec: give the spec as spec (YAML or JSON text) or as specBase64, exactly one");
  if (r.spec !== undefined) return { data: Buffer.from(r.spec, "utf8"), filename: r.specFilename ?? "imagespec.yaml" };
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(r.specBase64!)) throw new RequestError("specBase64: not base64");
  return { data: Buffer.from(r.specBase64!, "base64"), filename: r.specFilename ?? "spec.pb" };
}

export function prepareBuild(r: BuildRequest, tenant: Tenant, s: SubmitSettings, idempotencyHeader?: string): NewBuild {
  const spec = specOf(r);
  try {
    loadSpec(spec.data, spec.filename);
  } catch (e) {
    if ((e as Error).name === "SpecError") throw new RequestError(`spec: ${(e as Error).message}`);
    throw e;
  }
  let target;
  try {
    target = resolveTarget(r.target, s.defaultRepository);
  } catch (e) {
    throw new RequestError(`target: ${(e as Error).message.replace(/^--target-image /, "")}`);
  }
  const options = { ...r.frontendOptions };
  if (r.sbom && !(SBOM_OPTION in options)) options[SBOM_OPTION] = "";
  for (const k of Object.keys(options)) {
    if (RESERVED_OPTIONS.has(k)) throw new RequestError(`frontendOptions.${k}: set by the service${k.includes("-") && k !== "force-network-mode" ? " (an operator setting)" : ""}; a build cannot change it`);
  }
  const priority = r.priority ?? tenant.defaultPriority;
  if (priority > tenant.maxPriority) throw new RequestError(`priority: ${priority} is above ${tenant.maxPriority}, the highest tenant ${tenant.id} may use`);
  const timeoutSeconds = r.timeoutSeconds ?? s.defaultTimeoutSeconds;
  if (timeoutSeconds > s.maxTimeoutSeconds) throw new RequestError(`timeoutSeconds: at most ${s.maxTimeoutSeconds}`);
  const key = r.idempotencyKey ?? idempotencyHeader;
  if (r.idempotencyKey !== undefined && idempotencyHeader !== undefined && r.idempotencyKey !== idempotencyHeader) {
    throw new RequestError("idempotencyKey: differs from the Idempotency-Key header");
  }
  if (key !== undefined && (key.length === 0 || key.length > 200)) throw new RequestError("Idempotency-Key: 1 to 200 characters");
  const id = randomUUID();
  const secrets = r.secrets ?? {};
  const secretIds = Object.keys(secrets).sort();
  let secretsSealed: Buffer | undefined;
  if (secretIds.length > 0) {
    if (!s.secretKey) throw new RequestError("secrets: this service has no SERVICE_SECRET_KEY, so it accepts no build secrets");
    secretsSealed = sealSecrets(s.secretKey, secrets, id);
  }
  return {
    id,
    tenantId: tenant.id,
    idempotencyKey: key,
    spec: spec.data,
    specFilename: spec.filename,
    contextId: r.context?.upload,
    contextUrl: r.context ? r.context.url : undefined,
    target: target.tag ? `${target.repository}:${target.tag}` : target.repository,
    platforms: r.platforms ?? [],
    frontendOptions: options,
    secretsSealed,
    secretIds,
    priority,
    timeoutSeconds,
    maxAttempts: s.maxAttempts,
  };
}
