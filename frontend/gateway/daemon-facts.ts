/** Optimize's questions answered by the daemon: each probe plan is lowered, solved (and cached like any step) and read. */
import { lower, type LowerContext } from "../lower/lower.js";
import type { Plan } from "../plan/plan.js";
import { CONTEXT_MOUNT } from "../plan/context.js";
import type { FactSource, FactsRequest, ResolveAnswer } from "../optimize/facts.js";
import { failureReason, parsePipReport, parsePylock, withWheelSizes, type Resolution, type ResolveStatus } from "../optimize/resolution.js";
import type { DistContents } from "../optimize/record.js";
import type { Gateway, Caps } from "./gateway.js";
import type { CacheImport } from "../options/options.js";

const MAX_REPORT_BYTES = 64 << 20;

interface Solve {
  gw: Gateway;
  caps: Caps;
  lowering: LowerContext;
  cacheImports: readonly CacheImport[];
}

async function solvePlan(s: Solve, probe: Plan): Promise<string> {
  const def = lower(probe, s.lowering).marshal({ platform: s.lowering.platform });
  s.caps.llb.requireAll(def);
  return s.gw.solve(def, { cacheImports: s.cacheImports });
}

/** The daemon as optimize's fact source. */
export function daemonFacts(s: Solve): FactSource {
  return { resolve: (req) => readResolution(s, req), inspect: (req) => inspectLayers(s, req) };
}

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * Runs a layer's resolve step and reads its answer; a failed resolve is an answer too. Its files
 * are read all at once (each read is a round trip to the daemon); the answer's files exist only
 * when the resolve succeeded, and are looked at only then.
 */
async function readResolution(s: Solve, req: Extract<FactsRequest, { kind: "resolve" }>): Promise<ResolveAnswer> {
  const ref = await solvePlan(s, req.probe);
  const answerFile = req.installer === "uv" ? "pylock.toml" : "report.json";
  const [status, pinsUsed, installed, answer, sizes] = await Promise.all([
    s.gw.readFile(ref, "status.json", 1 << 20).then((b) => JSON.parse(decode(b)) as ResolveStatus),
    s.gw.readFile(ref, "pins-in.txt", MAX_REPORT_BYTES).then((b) => decode(b).split("\n").filter((l) => l.trim() !== "")),
    settled(s.gw.readFile(ref, "installed.json", 8 << 20)),
    settled(s.gw.readFile(ref, answerFile, MAX_REPORT_BYTES)),
    settled(s.gw.readFile(ref, "sizes.json", 8 << 20)),
  ]);
  return { ...readAnswer(req, status, installed, answer, sizes), pinsUsed };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };
type Read = Settled<Uint8Array>;

/** A read whose failure is looked at later (or never), not thrown at once. */
function settled<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: Error) => ({ ok: false as const, error }),
  );
}

/** sizes.json as written, or nothing when the step wrote none or it is not JSON (sizes only shape layers). */
function wheelSizes(file: Read): unknown {
  if (!file.ok) return undefined;
  try {
    return JSON.parse(decode(file.value)) as unknown;
  } catch {
    return undefined;
  }
}

function readAnswer(req: Extract<FactsRequest, { kind: "resolve" }>, status: ResolveStatus, installedFile: Read, answerFile: Read, sizesFile: Read): Resolution {
  if (status.exit !== 0) return { ok: false, reason: failureReason(status) };
  if (!installedFile.ok) throw installedFile.error;
  const installed = JSON.parse(decode(installedFile.value)) as Record<string, string>;
  try {
    if (!answerFile.ok) throw answerFile.error;
    const dists =
      req.installer === "uv"
        ? // uv marks every package it installs as requested, so none is told apart here.
          parsePylock(decode(answerFile.value), CONTEXT_MOUNT, new Set())
        : parsePipReport(decode(answerFile.value), CONTEXT_MOUNT);
    return { ok: true, dists: withWheelSizes(dists, wheelSizes(sizesFile)), installed };
  } catch (e) {
    return { ok: false, reason: `its resolve output could not be read: ${(e as Error).message}` };
  }
}

/** What each package layer holds (sizes for the layout, shared files for overlaps), as the inspect step summed it up. */
async function inspectLayers(s: Solve, req: Extract<FactsRequest, { kind: "inspect" }>): Promise<Map<string, DistContents>> {
  const ref = await solvePlan(s, req.probe);
  const layers = JSON.parse(decode(await s.gw.readFile(ref, "layers.json", MAX_REPORT_BYTES))) as Record<string, Partial<DistContents>>;
  const out = new Map<string, DistContents>();
  for (const id of req.ids) {
    const l = layers[id] ?? {};
    out.set(id, { size: l.size ?? 0, count: l.count ?? 0, shared: l.shared ?? [] });
  }
  return out;
}
