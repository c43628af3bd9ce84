/**
 * Checks an SPDX 2.3 JSON document: the official schema (test/fixtures/spdx) with ajv, and the
 * rules of the specification the schema does not encode (id syntax, unique ids, relationships
 * naming elements of the document, purl syntax).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { repoRoot } from "./paths.js";

const schema = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/spdx/spdx-2.3.schema.json"), "utf8")) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

interface Doc {
  SPDXID?: string;
  documentNamespace?: string;
  documentDescribes?: string[];
  packages?: { SPDXID: string; externalRefs?: { referenceType: string; referenceLocator: string }[] }[];
  relationships?: { spdxElementId: string; relatedSpdxElement: string }[];
}

/** Every problem found; empty when the document is valid. */
export function spdxProblems(doc: unknown): string[] {
  const out: string[] = [];
  if (!validate(doc)) out.push(...(validate.errors ?? []).map((e) => `schema: ${e.instancePath || "/"} ${e.message ?? ""}`));
  const d = doc as Doc;
  const ids = [d.SPDXID ?? "", ...(d.packages ?? []).map((p) => p.SPDXID)];
  for (const id of ids) if (!/^SPDXRef-[A-Za-z0-9.-]+$/.test(id)) out.push(`bad SPDX id ${JSON.stringify(id)}`);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dup.length > 0) out.push(`repeated ids: ${dup.join(", ")}`);
  const known = new Set(ids);
  for (const r of d.relationships ?? []) {
    for (const id of [r.spdxElementId, r.relatedSpdxElement]) if (!known.has(id)) out.push(`relationship names unknown element ${id}`);
  }
  for (const id of d.documentDescribes ?? []) if (!known.has(id)) out.push(`documentDescribes names unknown element ${id}`);
  if (!/^[a-z][a-z0-9+.-]*:[^#\s]+$/.test(d.documentNamespace ?? "")) out.push(`documentNamespace is not a URI without a fragment: ${d.documentNamespace}`);
  for (const p of d.packages ?? []) {
    for (const r of p.externalRefs ?? []) {
      if (r.referenceType === "purl" && !/^pkg:[a-z]+\/[^@\s]+@[^@?\s]+(\?[^\s#]+)?$/.test(r.referenceLocator)) out.push(`bad purl ${r.referenceLocator}`);
    }
  }
  return out;
}
