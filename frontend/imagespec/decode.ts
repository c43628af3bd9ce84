/**
 * Structural decoding of a spec tree against the ImageSpec message shapes. Accepts proto
 * (snake_case) and protobuf-JSON (lowerCamelCase) names, reports every problem at once.
 */
import { MAX_REPORTED_PROBLEMS } from "./limits.js";
import { TooManyProblems, type SpecProblem } from "./problems.js";
import { closest } from "../common/words.js";
import { jsonName, shapeOf, TOP_LEVEL_EXTRAS, type FieldKind, type MessageName } from "./schema.js";
import { stringProblem, type TextKind } from "./strings.js";
import { DOCUMENT_START, type SourceRange, type SpecNode } from "./tree.js";

/** Marks a list item that failed to decode. */
export const INVALID = "__invalid__";

/** A decoded message: proto field names to decoded values. */
export type Decoded = { [field: string]: DecodedValue };
export type DecodedValue = string | boolean | string[] | [string, string][] | Decoded | Decoded[];

export interface DecodeResult {
  value: Decoded | undefined;
  problems: SpecProblem[];
  /** Source range of every decoded path. */
  ranges: Map<string, SourceRange>;
  /** Decoding stopped after MAX_REPORTED_PROBLEMS problems; there are more. */
  truncated: boolean;
}

/** Fields whose text may span lines (shell commands, argument strings, env values), by message. */
const MULTILINE_FIELDS: Partial<Record<MessageName, readonly string[]>> = { Commands: ["cmd"], PipOptions: ["extra_args"], PoetryProject: ["extra_args"], Env: ["env_variables"] };
const NO_FIELDS: readonly string[] = [];


const TYPE_NAMES: Record<SpecNode["kind"], string> = { map: "an object", seq: "a list", scalar: "a value" };

function describe(node: SpecNode): string {
  if (node.kind !== "scalar") return TYPE_NAMES[node.kind];
  if (node.value === null) return "null";
  // Numbers as written (`3.10`, `.inf`, `0x1F`): a double would show `3.1`, `Infinity`, `31`.
  if (typeof node.value === "number" && node.source !== undefined) return `number ${node.source}`;
  return `${typeof node.value} ${JSON.stringify(shown(node.value))}`;
}

/** A value short enough to quote in a message. */
function shown<T>(value: T): T | string {
  return typeof value === "string" && value.length > 80 ? value.slice(0, 60) + "…" : value;
}


/** A path segment for a key that is not a valid name: quoted (so controls show escaped) and shortened. */
function badKeySegment(key: string): string {
  return JSON.stringify(shown(key));
}

const isNull = (node: SpecNode) => node.kind === "scalar" && node.value === null;

const fieldNames = new Map<MessageName, ReadonlyMap<string, string>>();

/** Proto field name by either spelling (snake_case or lowerCamelCase) of a message's fields. */
function fieldsByName(name: MessageName): ReadonlyMap<string, string> {
  let byName = fieldNames.get(name);
  if (!byName) {
    const map = new Map<string, string>();
    for (const f of Object.keys(shapeOf(name).fields)) {
      map.set(f, f);
      map.set(jsonName(f), f);
    }
    fieldNames.set(name, map);
    byName = map;
  }
  return byName;
}

class Decoder {
  readonly problems: SpecProblem[] = [];
  readonly ranges = new Map<string, SourceRange>();

  problem(path: string, node: { range?: SourceRange } | undefined, message: string, hint?: string): void {
    const p: SpecProblem = { path, message };
    if (node?.range) p.range = node.range;
    if (hint) p.hint = hint;
    this.problems.push(p);
    if (this.problems.length > MAX_REPORTED_PROBLEMS) throw new TooManyProblems();
  }

  record(path: string, node: SpecNode): void {
    if (node.range) this.ranges.set(path, node.range);
  }

  message(node: SpecNode, name: MessageName, path: string, allowExtras: readonly string[] = []): Decoded | undefined {
    this.record(path, node);
    if (node.kind !== "map") {
      this.problem(path, node, `expected an object (${name}), got ${describe(node)}`);
      return undefined;
    }
    const problemsBefore = this.problems.length;
    const shape = shapeOf(name);
    const byName = fieldsByName(name);
    const out: Decoded = {};
    // Field to the key it was given as; a message of one entry (most of a spec's) needs no map.
    const seen = node.entries.length > 1 ? new Map<string, string>() : undefined;
    let only: string | undefined;
    let givenAsNull: Map<string, SpecNode> | undefined;
    const multiline = MULTILINE_FIELDS[name] ?? NO_FIELDS;
    for (const entry of node.entries) {
      const field = byName.get(entry.key);
      const fieldPath = path ? `${path}.${field ?? entry.key}` : field ?? entry.key;
      if (!field) {
        if (allowExtras.includes(entry.key)) {
          this.extra(entry.key, entry.value);
          continue;
        }
        const keyProblem = stringProblem(entry.key, "line");
        if (keyProblem) {
          this.problem(path ? `${path}.${badKeySegment(entry.key)}` : badKeySegment(entry.key), { range: entry.keyRange ?? entry.value.range }, `unknown field in ${name}: the name ${keyProblem}`);
          continue;
        }
        const guess = entry.key.length <= 64 ? closest(entry.key, [...Object.keys(shape.fields), ...Object.keys(shape.fields).map(jsonName)]) : undefined;
        this.problem(fieldPath, { range: entry.keyRange ?? entry.value.range }, `unknown field ${JSON.stringify(shown(entry.key))} in ${name}`, guess ? `did you mean "${guess}"?` : `known fields: ${Object.keys(shape.fields).join(", ")}`);
        continue;
      }
      if (seen?.has(field)) {
        this.problem(fieldPath, { range: entry.keyRange }, `field "${field}" is given twice (as "${seen.get(field)}" and "${entry.key}")`);
        continue;
      }
      if (seen) seen.set(field, entry.key);
      else only = field;
      if (isNull(entry.value)) {
        // protobuf JSON: null = unset; but a layer kind given as null is a layer that says nothing.
        if (shape.oneof?.includes(field)) {
          this.record(fieldPath, entry.value);
          this.problem(fieldPath, entry.value.range ? entry.value : { range: entry.keyRange }, `${field} is null; inside a layer, null does not mean unset`, `give ${field} its fields, or remove the key`);
        } else (givenAsNull ??= new Map()).set(field, entry.value.range ? entry.value : { kind: "scalar", value: null, ...(entry.keyRange ? { range: entry.keyRange } : {}) });
        continue;
      }
      const value = this.field(entry.value, shape.fields[field]!, fieldPath, multiline.includes(field) ? "text" : "line");
      if (value !== undefined) out[field] = value;
    }
    const set = (shape.oneof ?? []).filter((f) => f in out);
    if (shape.oneof && set.length === 0 && this.problems.length === problemsBefore) {
      this.problem(path, node, `a layer needs exactly one of: ${shape.oneof.join(", ")}`);
    } else if (set.length > 1) {
      this.problem(path, node, `a layer must have exactly one kind, but sets ${set.join(" and ")}`, "split it into separate layers");
    }
    for (const req of shape.required ?? []) {
      const reqPath = path ? `${path}.${req}` : req;
      const nullNode = givenAsNull?.get(req);
      if (nullNode) this.problem(reqPath, nullNode, `missing required field "${req}"`, "it is given as null, which means unset");
      else if (!(req in out) && !(seen ? seen.has(req) : only === req)) this.problem(reqPath, node, `missing required field "${req}"`);
    }
    return out;
  }

  /** Top-level keys outside the spec (`syntax`, `$schema`) must still be strings. */
  extra(key: string, node: SpecNode): void {
    this.record(key, node);
    if (node.kind === "scalar" && typeof node.value === "string") {
      const p = stringProblem(node.value, "line");
      if (p) this.problem(key, node, `the value ${p}`);
      return;
    }
    const meaning = key === "syntax" ? 'it names the frontend image, e.g. "registry.example/imagespec:1"' : "it is the URL of the spec's JSON Schema";
    this.problem(key, node, `expected a string, got ${describe(node)}`, meaning);
  }

  field(node: SpecNode, kind: FieldKind, path: string, text: TextKind): DecodedValue | undefined {
    this.record(path, node);
    switch (kind.type) {
      case "string":
        return this.string(node, path, text);
      case "bool":
        if (node.kind === "scalar" && typeof node.value === "boolean") return node.value;
        this.problem(path, node, `expected true or false, got ${describe(node)}`);
        return undefined;
      case "enum": {
        if (node.kind === "scalar" && typeof node.value === "string" && kind.values.includes(node.value)) return node.value;
        if (node.kind === "scalar" && typeof node.value === "number" && Number.isInteger(node.value) && kind.values[node.value]) return kind.values[node.value]!;
        this.problem(path, node, `expected one of ${kind.values.join(", ")}, got ${describe(node)}`);
        return undefined;
      }
      case "strings": {
        if (node.kind === "scalar" && typeof node.value === "string") {
          this.problem(path, node, `expected a list of strings, got a single string`, `write [${JSON.stringify(node.value)}]`);
          return undefined;
        }
        if (node.kind !== "seq") {
          this.problem(path, node, `expected a list of strings, got ${describe(node)}`);
          return undefined;
        }
        // An invalid item keeps its place (as INVALID, never checked further: its path has a
        // problem) so later items keep their index and path.
        return node.items.map((item, i) => {
          const v = this.field(item, { type: "string" }, `${path}[${i}]`, text);
          return typeof v === "string" ? v : INVALID;
        });
      }
      case "stringMap": {
        if (node.kind !== "map") {
          this.problem(path, node, `expected an object of string values, got ${describe(node)}`);
          return undefined;
        }
        const out: [string, string][] = [];
        for (const e of node.entries) {
          const p = `${path}.${e.key}`;
          this.record(p, e.value);
          const keyProblem = stringProblem(e.key, "line");
          if (keyProblem) {
            this.problem(`${path}.${badKeySegment(e.key)}`, { range: e.keyRange ?? e.value.range }, `the name ${keyProblem}`);
            continue;
          }
          const v = this.string(e.value, p, text);
          if (v !== undefined) out.push([e.key, v]);
        }
        return out;
      }
      case "message":
        return this.message(node, kind.message, path);
      case "messages": {
        if (node.kind !== "seq") {
          this.problem(path, node, `expected a list of ${kind.message} objects, got ${describe(node)}`);
          return undefined;
        }
        // Invalid items keep their place so later items keep their index (and path).
        return node.items.map((item, i) => this.message(item, kind.message, `${path}[${i}]`) ?? { [INVALID]: true });
      }
    }
  }

  string(node: SpecNode, path: string, text: TextKind): string | undefined {
    if (node.kind === "scalar" && typeof node.value === "string") {
      const p = stringProblem(node.value, text);
      if (!p) return node.value;
      this.problem(path, node, `the value ${p}`);
      return undefined;
    }
    if (node.kind === "scalar" && (typeof node.value === "number" || typeof node.value === "boolean")) {
      this.problem(path, node, `expected a string, got ${describe(node)}`, "quote the value, e.g. \"3.11\"");
      return undefined;
    }
    this.problem(path, node, `expected a string, got ${describe(node)}`);
    return undefined;
  }
}

/** Decodes a whole ImageSpec tree. */
export function decodeSpecTree(root: SpecNode | undefined): DecodeResult {
  const d = new Decoder();
  if (!root || (root.kind === "scalar" && root.value === null)) {
    d.problem("", { range: root?.range ?? DOCUMENT_START }, "the spec is empty", "it needs at least base_image");
    return { value: undefined, problems: d.problems, ranges: d.ranges, truncated: false };
  }
  try {
    const value = d.message(root, "ImageSpec", "", TOP_LEVEL_EXTRAS);
    return { value, problems: d.problems, ranges: d.ranges, truncated: false };
  } catch (e) {
    if (!(e instanceof TooManyProblems)) throw e;
    return { value: undefined, problems: d.problems.slice(0, MAX_REPORTED_PROBLEMS), ranges: d.ranges, truncated: true };
  }
}
