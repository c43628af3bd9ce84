/** The HTTP API: fastify with JSON-Schema-checked routes, bearer tokens per tenant, OpenAPI. */
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Readable } from "node:stream";
import { cancelBuild, contextExists, getBuild, insertBuild, insertContext, listBuilds, TERMINAL, type BuildRecord, type BuildState } from "../db/builds.js";
import { isUnavailable, type Pool } from "../db/pool.js";
import { tenantForToken, type Tenant } from "../db/tenants.js";
import type { Settings } from "../settings.js";
import type { BlobStore } from "../store/blob-store.js";
import { receiveToFile, TooLargeError } from "../uploads/receive.js";
import { checkTarball, UploadError } from "../uploads/tar-check.js";
import { followLog } from "./logs.js";
import * as schemas from "./schemas.js";
import { prepareBuild, RequestError, type BuildRequest } from "./submit.js";
import { SBOM_OPTION } from "../settings.js";

declare module "fastify" {
  interface FastifyRequest {
    tenant: Tenant;
  }
}

export interface AppOptions {
  pool: Pool;
  store: BlobStore;
  settings: Pick<Settings, "defaultRepository" | "defaultTimeoutSeconds" | "maxTimeoutSeconds" | "maxAttempts" | "secretKey" | "maxUploadBytes" | "publicUrl">;
  logger?: boolean;
}

const TAR_TYPES = ["application/x-tar", "application/tar", "application/gzip", "application/x-gzip", "application/octet-stream"];
const NOT_FOUND = { error: "no such build" };

function baseUrl(req: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${req.protocol}://${req.host}`;
}

function view(b: BuildRecord, base: string) {
  const url = `${base}/v1/builds/${b.id}`;
  return {
    ...b,
    seq: undefined,
    tenantId: undefined,
    contextId: undefined,
    contextUrl: undefined,
    url,
    logsUrl: `${url}/logs`,
    sbomUrl: SBOM_OPTION in b.frontendOptions ? `${url}/sbom` : null,
    createdAt: b.createdAt.toISOString(),
    claimedAt: b.claimedAt?.toISOString() ?? null,
    finishedAt: b.finishedAt?.toISOString() ?? null,
  };
}

export async function buildApp(o: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: o.logger ?? false,
    // Unknown fields are an error, never silently dropped.
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
    bodyLimit: 4 << 20,
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "imagespec build service", version: "1" },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  app.decorateRequest("tenant", undefined as unknown as Tenant);

  app.addContentTypeParser(TAR_TYPES, (_req, payload, done) => done(null, payload));

  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown; code?: string }, req, reply) => {
    if (err.validation) return reply.code(400).send({ error: err.message });
    if (err instanceof RequestError) return reply.code(err.statusCode).send({ error: err.message });
    if (isUnavailable(err)) return reply.code(503).header("Retry-After", "5").send({ error: "the database is not reachable; try again shortly" });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.message });
    req.log.error(err);
    return reply.code(500).send({ error: "internal error" });
  });

  app.addHook("onRequest", async (req, reply) => {
    if (!req.url.startsWith("/v1/")) return;
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    if (!m) return reply.code(401).header("WWW-Authenticate", "Bearer").send({ error: "Authorization: a bearer token is required" });
    const tenant = await tenantForToken(o.pool, m[1]!);
    if (!tenant) return reply.code(401).header("WWW-Authenticate", 'Bearer error="invalid_token"').send({ error: "Authorization: unknown token" });
    req.tenant = tenant;
  });

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  app.get("/healthz", { schema: { hide: true } }, async (_req, reply) => {
    await o.pool.query("SELECT 1");
    return reply.send({ ok: true });
  });

  app.post(
    "/v1/contexts",
    {
      bodyLimit: o.settings.maxUploadBytes,
      schema: {
        summary: "Upload a build context (tar or tar.gz body); checked before it is kept",
        consumes: TAR_TYPES,
        response: { 201: schemas.context, 400: schemas.error, 413: schemas.error },
      },
    },
    async (req, reply) => {
      const declared = Number(req.headers["content-length"] ?? NaN);
      if (declared > o.settings.maxUploadBytes) {
        reply.header("Connection", "close");
        throw new RequestError(`context: the upload is ${declared} bytes, more than the ${o.settings.maxUploadBytes} allowed`, 413);
      }
      const path = o.store.incomingPath();
      let received;
      try {
        received = await receiveToFile(req.body as Readable, path, o.settings.maxUploadBytes);
      } catch (e) {
        if (e instanceof TooLargeError) {
          reply.header("Connection", "close");
          throw new RequestError(`context: ${e.message}`, 413);
        }
        throw new RequestError(`context: the upload broke off (${(e as Error).message})`);
      }
      let summary;
      try {
        summary = await checkTarball(path);
      } catch (e) {
        await o.store.discard(path);
        if (e instanceof UploadError) throw new RequestError(e.message);
        throw e;
      }
      const id = crypto.randomUUID();
      await o.store.keepContext(path, id);
      try {
        await insertContext(o.pool, { id, tenantId: req.tenant.id, bytes: received.bytes, sha256: received.sha256 });
      } catch (e) {
        await o.store.discard(o.store.contextPath(id));
        throw e;
      }
      return reply.code(201).send({ id, bytes: received.bytes, sha256: received.sha256, entries: summary.entries });
    },
  );

  app.post<{ Body: BuildRequest }>(
    "/v1/builds",
    { schema: { summary: "Submit a build", body: schemas.buildRequest, response: { 200: schemas.build, 202: schemas.build, 400: schemas.error } } },
    async (req, reply) => {
      const header = req.headers["idempotency-key"];
      const nb = prepareBuild(req.body, req.tenant, o.settings, typeof header === "string" ? header : undefined);
      if (nb.contextId && !(await contextExists(o.pool, req.tenant.id, nb.contextId))) throw new RequestError(`context.upload: no upload ${nb.contextId}`);
      const { build, created } = await insertBuild(o.pool, nb);
      const body = view(build, baseUrl(req, o.settings.publicUrl));
      return reply.code(created ? 202 : 200).header("Location", body.url).send(body);
    },
  );

  app.get<{ Querystring: { state?: BuildState; limit: number; cursor?: string } }>(
    "/v1/builds",
    { schema: { summary: "List builds, newest first", querystring: schemas.listQuery } },
    async (req) => {
      const page = await listBuilds(o.pool, req.tenant.id, { limit: req.query.limit, ...(req.query.state ? { state: req.query.state } : {}), ...(req.query.cursor ? { cursor: req.query.cursor } : {}) });
      const base = baseUrl(req, o.settings.publicUrl);
      return { builds: page.builds.map((b) => view(b, base)), next: page.next ?? null };
    },
  );

  app.get<{ Params: { id: string } }>("/v1/builds/:id", { schema: { summary: "A build", params: schemas.idParams, response: { 200: schemas.build, 404: schemas.error } } }, async (req, reply) => {
    const b = await getBuild(o.pool, req.tenant.id, req.params.id);
    return b ? view(b, baseUrl(req, o.settings.publicUrl)) : reply.code(404).send(NOT_FOUND);
  });

  app.post<{ Params: { id: string } }>("/v1/builds/:id/cancel", { schema: { summary: "Cancel a build", params: schemas.idParams, response: { 200: schemas.build, 404: schemas.error } } }, async (req, reply) => {
    const b = await cancelBuild(o.pool, req.tenant.id, req.params.id);
    return b ? view(b, baseUrl(req, o.settings.publicUrl)) : reply.code(404).send(NOT_FOUND);
  });

  app.get<{ Params: { id: string }; Querystring: { offset: number; follow: boolean } }>(
    "/v1/builds/:id/logs",
    { schema: { summary: "The build's progress as BuildKit reports it (text; follow=true streams it, text/event-stream for SSE)", params: schemas.idParams, querystring: schemas.logsQuery } },
    async (req, reply) => {
      const b = await getBuild(o.pool, req.tenant.id, req.params.id);
      if (!b) return reply.code(404).send(NOT_FOUND);
      const sse = (req.headers.accept ?? "").includes("text/event-stream");
      const lastId = Number(req.headers["last-event-id"]);
      const offset = sse && Number.isSafeInteger(lastId) && lastId >= 0 ? lastId : req.query.offset;
      if (!req.query.follow && !sse) {
        const { data, size } = await o.store.readLog(b.id, offset, 64 << 20);
        return reply.type("text/plain; charset=utf-8").header("X-Log-Size", String(size)).header("X-Build-State", b.state).send(data);
      }
      reply.hijack();
      await followLog(reply.raw, {
        store: o.store,
        buildId: b.id,
        offset,
        sse,
        ended: async () => TERMINAL.has((await getBuild(o.pool, req.tenant.id, b.id))?.state ?? "cancelled"),
      });
    },
  );

  app.get<{ Params: { id: string } }>("/v1/builds/:id/sbom", { schema: { summary: "The SBOMs attached to the built image (SPDX 2.3), by platform", params: schemas.idParams } }, async (req, reply: FastifyReply) => {
    const b = await getBuild(o.pool, req.tenant.id, req.params.id);
    if (!b) return reply.code(404).send(NOT_FOUND);
    const path = o.store.sbomPath(b.id);
    if (!(await o.store.exists(path))) {
      const why = SBOM_OPTION in b.frontendOptions ? "its build has not succeeded yet, or its SBOM could not be read from the registry (see the log)" : "the build did not ask for one (sbom: true)";
      return reply.code(404).send({ error: `this build has no SBOM: ${why}` });
    }
    return reply.type("application/json").send(o.store.readStream(path));
  });

  app.get<{ Params: { id: string } }>("/v1/builds/:id/scan-report", { schema: { summary: "The pre-push scanner's JSON report", params: schemas.idParams } }, async (req, reply: FastifyReply) => {
    const b = await getBuild(o.pool, req.tenant.id, req.params.id);
    if (!b) return reply.code(404).send(NOT_FOUND);
    const report = await o.store.readReport(b.id);
    if (!report) return reply.code(404).send({ error: "this build has no scan report (no scanner is configured, or it has not run yet)" });
    return reply.type("application/json").send(report);
  });

  return app;
}
