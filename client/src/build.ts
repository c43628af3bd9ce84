/**
 * One build on a connected BuildKit: a session hosting the local dirs, credentials, secrets and
 * output files, then Solve with the Status stream alongside.
 */
import type { Duplex } from "node:stream";
import type { RegistryAuth } from "./auth/provider.js";
import type { Builder } from "./builder.js";
import { upgradeToH2c } from "./connect.js";
import type { SecretStore } from "./secrets.js";
import { newId, Session } from "./session/session.js";
import type { LocalDir } from "./session/services.js";
import { codec } from "./proto.js";
import { definitionSolveRequest, solveRequest, type ExportEntry, type SolveOptions } from "./solve-request.js";

/** What a solve's session serves and how its progress is reported, whatever is solved. */
export interface SessionBuildOptions {
  exports?: readonly ExportEntry[];
  entitlements?: readonly string[];
  dirs?: readonly LocalDir[];
  auth?: RegistryAuth;
  secrets?: SecretStore;
  sharedKey?: string;
  /** Each StatusResponse as it arrives (vertexes, statuses, logs, warnings). */
  onStatus?: (status: Record<string, any>) => void;
}

export interface BuildOptions extends SolveOptions, SessionBuildOptions {}

export interface DefinitionBuildOptions extends SessionBuildOptions {
  /** The encoded pb.Definition to solve, made once the session's id is known (local sources name it). */
  definition: (sessionId: string) => Uint8Array;
}

/** buildctl stops reading progress 5 s after Solve returns, should the stream not end. */
const STATUS_GRACE_MS = 5_000;

async function openSession(builder: Builder, session: Session): Promise<Duplex> {
  const a = builder.address;
  const conn = a.kind === "docker" ? await upgradeToH2c(a.endpoint, "/session", session.headers()) : builder.control.session(session.headers());
  session.serve(conn);
  return conn;
}

/** A gateway frontend build (path A): the frontend image makes the LLB. */
export function runBuild(builder: Builder, o: BuildOptions): Promise<Record<string, string>> {
  return runSolve(builder, o, (ref, sessionId, exports) => solveRequest(ref, sessionId, { ...o, exports }));
}

/** A solve of an LLB definition of the caller's own, with the same session and progress. */
export function runDefinition(builder: Builder, o: DefinitionBuildOptions): Promise<Record<string, string>> {
  return runSolve(builder, o, (ref, sessionId, exports) =>
    definitionSolveRequest(ref, sessionId, codec("pb.Definition").decode(o.definition(sessionId)), { exports, ...(o.entitlements ? { entitlements: o.entitlements } : {}) }),
  );
}

type RequestMaker = (ref: string, sessionId: string, exports: ExportEntry[]) => Record<string, any>;

async function runSolve(builder: Builder, o: SessionBuildOptions, makeRequest: RequestMaker): Promise<Record<string, string>> {
  const outputs = new Map<number, string>();
  (o.exports ?? []).forEach((e, i) => {
    if (e.dest !== undefined) outputs.set(i, e.dest);
  });
  const sessionOptions: ConstructorParameters<typeof Session>[0] = { outputs };
  if (o.dirs) sessionOptions.dirs = o.dirs;
  if (o.auth) sessionOptions.auth = o.auth;
  if (o.secrets) sessionOptions.secrets = o.secrets;
  if (o.sharedKey) sessionOptions.sharedKey = o.sharedKey;
  const session = new Session(sessionOptions);
  let conn: Duplex;
  try {
    conn = await openSession(builder, session);
  } catch (e) {
    session.close();
    throw e;
  }
  const ref = newId();
  let statusDone: Promise<void> = Promise.resolve();
  const abortStatus = new AbortController();
  try {
    if (o.onStatus) {
      const onStatus = o.onStatus;
      statusDone = (async () => {
        const stream = builder.control.status(ref);
        const aborted = new Promise<void>((r) => abortStatus.signal.addEventListener("abort", () => r()));
        for (;;) {
          const next = await Promise.race([stream.next(), aborted.then(() => undefined)]);
          if (!next || next.done) break;
          onStatus(next.value);
        }
        await stream.return(undefined);
      })().catch(() => undefined);
    }
    const exports = (o.exports ?? []).map(({ dest: _dest, ...e }) => e);
    const response = await builder.control.solve(makeRequest(ref, session.id, exports));
    const grace = setTimeout(() => abortStatus.abort(), STATUS_GRACE_MS);
    await statusDone;
    clearTimeout(grace);
    return response;
  } catch (e) {
    // Let the last progress (the failing step's logs) arrive before reporting.
    const grace = setTimeout(() => abortStatus.abort(), 1_000);
    await statusDone;
    clearTimeout(grace);
    throw e;
  } finally {
    conn.end();
    setTimeout(() => conn.destroy(), 1_000).unref();
    session.close();
  }
}
