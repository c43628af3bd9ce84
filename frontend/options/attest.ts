/**
 * The SBOM request of a build (`attest:sbom`, or the build arg `BUILDKIT_ATTEST_SBOM`): a CSV of
 * `key=value` parameters, as BuildKit reads it. Without a `generator`, this frontend answers with
 * its own SBOM; with one, it attaches none and BuildKit runs that scanner image on the result,
 * as it does for any frontend that returns no SBOM.
 */
import { UserError } from "../common/errors.js";

export type SbomRequest =
  /** Attach the frontend's own SBOM. */
  | { kind: "own" }
  /** Leave it to BuildKit, which runs the named scanner image. */
  | { kind: "generator"; generator: string };

/** Fields of one CSV record: commas split, double quotes group, `""` is a quote. */
export function csvFields(s: string): string[] {
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      out.push(field);
      field = "";
    } else field += c;
  }
  if (quoted) throw new UserError(`attest:sbom: unterminated quote in "${s}"`);
  out.push(field);
  return out;
}

/** The request, or undefined when none was made (or it is `disabled=true`). */
export function parseSbomRequest(opts: ReadonlyMap<string, string>): SbomRequest | undefined {
  const raw = opts.get("attest:sbom") ?? opts.get("build-arg:BUILDKIT_ATTEST_SBOM");
  if (raw === undefined) return undefined;
  const params = new Map<string, string>();
  if (raw !== "") {
    for (const f of csvFields(raw)) {
      const eq = f.indexOf("=");
      params.set(eq < 0 ? f : f.slice(0, eq), eq < 0 ? "" : f.slice(eq + 1));
    }
  }
  if (/^(1|t|true)$/i.test(params.get("disabled") ?? "")) return undefined;
  const generator = params.get("generator");
  if (generator !== undefined) {
    if (generator === "") throw new UserError("attest:sbom: generator= is empty (name a scanner image, or leave generator out for this frontend's own SBOM)");
    return { kind: "generator", generator };
  }
  return { kind: "own" };
}

/** `SOURCE_DATE_EPOCH` (build arg) as whole seconds; undefined when not given. */
export function parseSourceDateEpoch(opts: ReadonlyMap<string, string>): number | undefined {
  const v = opts.get("build-arg:SOURCE_DATE_EPOCH");
  if (v === undefined || v === "") return undefined;
  if (!/^\d{1,12}$/.test(v.trim())) throw new UserError(`build argument SOURCE_DATE_EPOCH: expected whole seconds since 1970, got "${v}"`);
  return Number(v.trim());
}
