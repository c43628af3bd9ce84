/**
 * Structural decoding of a spec tree against the ImageSpec message shapes. Accepts proto
 * (snake_case) and protobuf-JSON (lowerCamelCase) names, reports every problem at once.
 */
import { closest, type SpecProblem } from "./problems.js";
import { jsonName, shapeOf, TOP_LEVEL_EXTRAS, type FieldKind, type MessageName } from "./schema.js";
import type { SourceRange, SpecNode } from "./tree.js";

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
}

const TYPE_NAMES: Record<SpecNode["kind"], string> = { map: "an object", seq: "a list", scalar: "a value" };

function describe(node: SpecNode): string {
  if (node.kind !== "scalar") return TYPE_NAMES[node.kind];
  if (node.value === null) return "null";
  return `${typeof node.value} ${JSON.stringify(node.value)}`;
}

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
    const shape = shapeOf(name);
    const byName = fieldsByName(name);
    const out: Decoded = {};
    const seen = new Map<string, string>();
    for (const entry of node.entries) {
      const field = byName.get(entry.key);
      const fieldPath = path ? `${path}.${field ?? entry.key}` : field ?? entry.key;
      if (!field) {
        if (allowExtras.includes(entry.key)) continue;
        const guess = closest(entry.key, [...Object.keys(shape.fields), ...Object.keys(shape.fields).map(jsonName)]);
        this.problem(fieldPath, { range: entry.keyRange ?? entry.value.range }, `unknown field "${entry.key}" in ${name}`, guess ? `did you mean "${guess}"?` : `known fields: ${Object.keys(shape.fields).join(", ")}`);
        continue;
      }
      if (seen.has(field)) {
        this.problem(fieldPath, { range: entry.keyRange }, `field "${field}" is given twice (as "${seen.get(field)}" and "${entry.key}")`);
        continue;
      }
      seen.set(field, entry.key);
      if (entry.value.kind === "scalar" && entry.value.value === null) continue; // protobuf JSON: null = unset
      const value = this.field(entry.value, shape.fields[field]!, fieldPath);
      if (value !== undefined) out[field] = value;
    }
    const set = (shape.oneof ?? []).filter((f) => f in out);
    if (shape.oneof && set.length === 0 && this.problems.every((p) => !p.path.startsWith(path + "."))) {
      this.problem(path, node, `a layer needs exactly one of: ${shape.oneof.join(", ")}`);
    } else if (set.length > 1) {
      this.problem(path, node, `a layer must have exactly one kind, but sets ${set.join(" and ")}`, "split it into separate layers");
    }
    for (const req of shape.required ?? []) {
      if (!(req in out) && !seen.has(req)) {
        this.problem(path ? `${path}.${req}` : req, node, `missing required field "${req}"`);
      }
    }
    return out;
  }

  field(node: SpecNode, kind: FieldKind, path: string): DecodedValue | undefined {
    this.record(path, node);
    switch (kind.type) {
      case "string":
        return this.string(node, path);
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
        const out: string[] = [];
        node.items.forEach((item, i) => {
          const v = this.field(item, { type: "string" }, `${path}[${i}]`);
          if (typeof v === "string") out.push(v);
        });
        return out;
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
          const v = this.string(e.value, p);
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

  string(node: SpecNode, path: string): string | undefined {
    if (node.kind === "scalar" && typeof node.value === "string") return node.value;
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
    d.problem("", undefined, "the spec is empty", "it needs at least base_image");
    return { value: undefined, problems: d.problems, ranges: d.ranges };
  }
  const value = d.message(root, "ImageSpec", "", TOP_LEVEL_EXTRAS);
  return { value, problems: d.problems, ranges: d.ranges };
}
