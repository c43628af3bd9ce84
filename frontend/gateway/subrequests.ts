/**
 * Subrequests (`docker buildx build --call …`, `--check`): describe, outline, targets and lint.
 * Each answers from the spec and the options alone (no build). Result shapes follow BuildKit's
 * subrequest types, which buildx renders.
 */
import { formatPlatform, type Platform } from "../../llb/src/platform.js";
import { UserError } from "../common/errors.js";
import type { LoadedSpec } from "../imagespec/load.js";
import type { Secret } from "../imagespec/model.js";
import { LINT_RULES, lintSpec, ruleUrl, type LintWarning } from "../imagespec/lint.js";
import { formatProblem, SpecError } from "../imagespec/problems.js";
import type { SourceRange } from "../imagespec/tree.js";
import { nearestRange } from "../imagespec/tree.js";
import { secretEnvName, secretId } from "../imagespec/secrets.js";
import { SECRET_DIR } from "../plan/builder.js";
import { sourceInfo } from "./errors.js";
import { toPbRange } from "../common/positions.js";
import { OWN_OPTIONS, type FrontendOptions } from "../options/options.js";

export const DESCRIBE = "frontend.subrequests.describe";
export const OUTLINE = "frontend.outline";
export const TARGETS = "frontend.targets";
export const LINT = "frontend.lint";

const REQUESTS = [
  { name: OUTLINE, version: "1.1.0", description: "List the options and build args the spec reads and the secrets it needs" },
  { name: TARGETS, version: "1.0.0", description: "List the targets the spec builds (one, the default)" },
  { name: LINT, version: "1.0.0", description: "Check the spec against the lint rules without building" },
  { name: DESCRIBE, version: "1.0.0", description: "List available subrequest types" },
] as const;

const versionOf = (name: (typeof REQUESTS)[number]["name"]) => REQUESTS.find((r) => r.name === name)!.version;

export class UnsupportedSubrequestError extends UserError {
  constructor(readonly requestId: string) {
    super(`this frontend does not support the subrequest "${requestId}" (supported: ${REQUESTS.map((r) => r.name).join(", ")})`);
  }
}

/** Subrequests that need the spec; describe does not. */
export function needsSpec(id: string): boolean {
  return id === OUTLINE || id === TARGETS || id === LINT;
}

type Metadata = Record<string, Buffer>;

function result(json: unknown, text: string, version: string, extra: Metadata = {}): Record<string, unknown> {
  return {
    metadata: {
      "result.json": Buffer.from(JSON.stringify(json, null, 2)),
      "result.txt": Buffer.from(text),
      version: Buffer.from(version),
      ...extra,
    },
  };
}

/** A table with columns padded to their widest cell, as buildx prints its own. */
function table(rows: string[][], pad = 3): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + pad))).join("").trimEnd()).join("\n") + "\n";
}

/**
 * pb.Location JSON of a spec range in source 0. Without a range, warnings point at no source
 * (-1: buildx prints no snippet); a build error must still name an existing source.
 */
function location(range: SourceRange | undefined, noRangeIndex = -1) {
  if (!range) return { sourceIndex: noRangeIndex, ranges: [] };
  return { sourceIndex: 0, ranges: [toPbRange(range)] };
}

export function describeResult(): Record<string, unknown> {
  const list = REQUESTS.map((r) => ({
    name: r.name,
    version: r.version,
    type: "rpc",
    description: r.description,
    metadata: [{ name: "result.json" }, { name: "result.txt" }, ...(r.name === LINT ? [{ name: "result.statuscode" }] : [])],
  }));
  return result(list, table([["NAME", "VERSION", "DESCRIPTION"], ...list.map((r) => [r.name.replace(/^frontend\./, ""), r.version, r.description])], 1), versionOf(DESCRIBE));
}

interface SecretUse {
  id: string;
  kind: "file" | "env";
  /** The env var the step sees: the value for env, the file's path for file. */
  env: string;
  file?: string;
  layers: string[];
  first: Secret;
}

function secretUses(loaded: LoadedSpec): SecretUse[] {
  const byId = new Map<string, SecretUse>();
  for (const l of loaded.spec.layers) {
    if (!("secrets" in l)) continue;
    for (const s of l.secrets) {
      const id = secretId(s);
      let use = byId.get(id);
      if (!use) {
        const file = s.mount === "FILE";
        use = { id, kind: file ? "file" : "env", env: secretEnvName(s) ?? "", ...(file ? { file: `${SECRET_DIR}/${id}` } : {}), layers: [], first: s };
        byId.set(id, use);
      }
      if (!use.layers.includes(l.at)) use.layers.push(l.at);
    }
  }
  return [...byId.values()];
}

/** URLs as outline shows them: any `user:password@` replaced, since the output is shared freely. */
function withoutCredentials(value: string): string {
  return value.replace(/(:\/\/)[^/@\s,]*@/g, "$1***@");
}

/** The options and build args the spec's build reads (our own settings), with their values. */
function optionArgs(o: FrontendOptions, ownUv?: { image: string }) {
  const value: Record<string, string> = {
    installer: o.installer,
    "uv-image": ownUv && !o.uvImageGiven ? `${ownUv.image} (the frontend image's own uv)` : o.uvImage,
    "image-id": o.imageId ?? "",
    "default-index-url": o.indexDefaults.indexUrl ?? "",
    "default-extra-index-urls": (o.indexDefaults.extraIndexUrls ?? []).join(","),
    "trusted-hosts": (o.indexDefaults.trustedHosts ?? []).join(","),
    "http-proxy": o.proxy.httpProxy ?? "",
    "https-proxy": o.proxy.httpsProxy ?? "",
    "no-proxy": o.proxy.noProxy ?? "",
    "base-image-allow": o.basePolicy.allow.join(","),
    "base-image-deny": o.basePolicy.deny.join(","),
  };
  return Object.entries(value).map(([name, v]) => ({ name, description: OWN_OPTIONS[name as keyof typeof OWN_OPTIONS], value: withoutCredentials(v) }));
}

export function outlineResult(loaded: LoadedSpec, o: FrontendOptions, ownUv?: { image: string }): Record<string, unknown> {
  const args = optionArgs(o, ownUv);
  const secrets = secretUses(loaded);
  const at = (path: string) => location(nearestRange(loaded.ranges, path));
  const json = {
    description: `image from ${loaded.spec.baseImage}`,
    args,
    secrets: secrets.map((s) => ({ name: s.id, required: true, location: at(s.first.at), type: s.kind, env: s.env, ...(s.file ? { file: s.file } : {}), layers: s.layers })),
    sources: [Buffer.from(loaded.data).toString("base64")],
  };
  let text = `TARGET:      (default)\nDESCRIPTION: ${json.description}\n\n`;
  text += table([["BUILD ARG", "VALUE", "DESCRIPTION"], ...args.map((a) => [a.name, a.value, a.description])]) + "\n";
  if (secrets.length > 0) {
    const how = (s: SecretUse) => (s.kind === "file" ? `file ${s.file}${s.env ? ` (path in $${s.env})` : ""}` : `env ${s.env}`);
    text += table([["SECRET", "REQUIRED", "MOUNTED AS", "USED BY"], ...secrets.map((s) => [s.id, "true", how(s), s.layers.join(", ")])]) + "\n";
  }
  return result(json, text, versionOf(OUTLINE));
}

/** The one target; `platforms` are those the build would make. */
export function targetsResult(loaded: LoadedSpec, platforms: readonly Platform[]): Record<string, unknown> {
  const spec = loaded.spec;
  const description = `${spec.layers.length} layer(s) on ${spec.baseImage}${spec.pythonVersion ? `, Python ${spec.pythonVersion}` : ""}`;
  const json = {
    targets: [{ default: true, description, base: spec.baseImage, platform: platforms.map(formatPlatform).join(","), location: location(nearestRange(loaded.ranges, "base_image")) }],
    sources: [Buffer.from(loaded.data).toString("base64")],
  };
  return result(json, table([["TARGET", "DESCRIPTION"], ["(default)", description]], 1), versionOf(TARGETS));
}

/** The text of one warning as buildx prints lint results (without the snippet). */
export function warningText(w: LintWarning): string {
  return `${w.rule}: ${w.detail}${w.range ? ` (line ${w.range.start.line})` : ""}`;
}

export function lintResult(loaded: LoadedSpec, language: string): Record<string, unknown> {
  const warnings = lintSpec(loaded.spec, loaded.ranges);
  const json = {
    warnings: warnings.map((w) => ({ ruleName: w.rule, description: LINT_RULES[w.rule].description, url: ruleUrl(w.rule), detail: w.detail, location: location(w.range) })),
    sources: [sourceInfo({ filename: loaded.filename, data: loaded.data, language })],
  };
  const text = warnings.map((w) => `WARNING: ${w.rule} - ${ruleUrl(w.rule)}\n${w.detail}\n`).join("\n");
  return result(json, text, versionOf(LINT), { "result.statuscode": Buffer.from(warnings.length > 0 ? "1" : "0") });
}

/** `--check` on a spec that does not load: the problems as the lint result's build error. */
export function lintErrorResult(err: SpecError, file: { filename: string; data: Uint8Array }, language: string): Record<string, unknown> {
  const first = err.problems.find((p) => p.range) ?? err.problems[0];
  const json = {
    warnings: [],
    sources: [sourceInfo({ ...file, language })],
    buildError: { message: err.message, location: location(first?.range, 0) },
  };
  const text = err.problems.map((p) => formatProblem(p, file.filename)).join("\n") + "\n";
  return result(json, text, versionOf(LINT), { "result.statuscode": Buffer.from("1") });
}
