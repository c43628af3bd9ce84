/** JSON Schemas of the API: fastify validates requests with them and @fastify/swagger publishes them. */
import { STATES } from "../db/builds.js";

export const buildRequest = {
  type: "object",
  additionalProperties: false,
  required: ["target"],
  properties: {
    spec: { type: "string", minLength: 1, maxLength: 1 << 20, description: "The spec as YAML or JSON text (give spec or specBase64)." },
    specBase64: { type: "string", minLength: 1, maxLength: 1_400_000, description: "The spec's bytes in base64, e.g. Flyte's spec.pb." },
    specFilename: { type: "string", pattern: "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", description: "The spec's file name (imagespec.yaml, spec.pb, …)." },
    context: {
      type: "object",
      additionalProperties: false,
      minProperties: 1,
      maxProperties: 1,
      description: "The build context: an upload of POST /v1/contexts, or a URL of a tar or tar.gz. None: an empty context.",
      properties: {
        upload: { type: "string", format: "uuid" },
        url: { type: "string", pattern: "^https?://", maxLength: 4096 },
      },
    },
    target: { type: "string", minLength: 1, maxLength: 512, description: "Image to push: host/repo[:tag]; without a tag, a digest of the inputs." },
    platforms: { type: "array", maxItems: 8, uniqueItems: true, items: { type: "string", pattern: "^[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?$" } },
    frontendOptions: {
      type: "object",
      maxProperties: 64,
      propertyNames: { pattern: "^[a-z][a-z0-9:._-]{0,127}$" },
      additionalProperties: { type: "string", maxLength: 65536 },
      description: "Options of the imagespec frontend (installer, optimize, …); operator settings cannot be set.",
    },
    secrets: {
      type: "object",
      maxProperties: 32,
      propertyNames: { pattern: "^[A-Za-z0-9_.-]{1,128}$" },
      additionalProperties: { type: "string", maxLength: 500 * 1024 },
      description: "Build secrets by id; sealed at rest, never returned, dropped when the build ends.",
    },
    sbom: { type: "boolean", description: "Attach the frontend's SBOM (SPDX 2.3 in-toto attestation) to the image, and keep a copy: GET /v1/builds/{id}/sbom." },
    idempotencyKey: { type: "string", minLength: 1, maxLength: 200, description: "The same key (per tenant) returns the same build." },
    priority: { type: "integer", minimum: -1000, maximum: 1000, description: "Higher runs first; at most the tenant's maximum." },
    timeoutSeconds: { type: "integer", minimum: 1 },
  },
} as const;

export const build = {
  type: "object",
  properties: {
    id: { type: "string" },
    url: { type: "string" },
    state: { type: "string", enum: [...STATES] },
    reason: { type: ["string", "null"] },
    result: { type: ["string", "null"], description: "repo:tag@sha256:… once succeeded" },
    alreadyExisted: { type: "boolean" },
    target: { type: "string" },
    platforms: { type: "array", items: { type: "string" } },
    frontendOptions: { type: "object", additionalProperties: { type: "string" } },
    secretIds: { type: "array", items: { type: "string" } },
    priority: { type: "integer" },
    timeoutSeconds: { type: "integer" },
    attempts: { type: "integer" },
    maxAttempts: { type: "integer" },
    cancelRequested: { type: "boolean" },
    idempotencyKey: { type: ["string", "null"] },
    createdAt: { type: "string", format: "date-time" },
    claimedAt: { type: ["string", "null"], format: "date-time" },
    finishedAt: { type: ["string", "null"], format: "date-time" },
    logsUrl: { type: "string" },
    sbomUrl: { type: ["string", "null"], description: "Where the kept SBOM is, when the build asked for one" },
  },
} as const;

export const error = { type: "object", properties: { error: { type: "string" } } } as const;

export const idParams = { type: "object", required: ["id"], properties: { id: { type: "string", format: "uuid" } } } as const;

export const listQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    state: { type: "string", enum: [...STATES] },
    limit: { type: "integer", minimum: 1, maximum: 200, default: 50 },
    cursor: { type: "string", pattern: "^[0-9]{1,18}$" },
  },
} as const;

export const logsQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    offset: { type: "integer", minimum: 0, default: 0, description: "Byte offset to start from (SSE: or the Last-Event-ID header)." },
    follow: { type: "boolean", default: false, description: "Keep the answer open and stream the log until the build ends." },
  },
} as const;

export const context = {
  type: "object",
  properties: { id: { type: "string" }, bytes: { type: "integer" }, sha256: { type: "string" }, entries: { type: "integer" } },
} as const;
