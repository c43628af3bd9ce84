/** Reads a spec from its bytes: JSON, YAML or binary protobuf, into a validated ImageSpec. */
import { messageType, TO_OBJECT } from "../protocol/messages.js";
import { decodeSpecTree } from "./decode.js";
import { toImageSpec, type ImageSpec } from "./model.js";
import { SpecError, type SpecProblem } from "./problems.js";
import { fromPlain, parseJson, parseText, type SourceRange } from "./tree.js";
import { validateSpec } from "./validate.js";

export const MAX_SPEC_BYTES = 1 << 20;

/** Problems in file order (unlocated ones first), stable otherwise. */
function sortProblems(problems: SpecProblem[]): SpecProblem[] {
  const key = (p: SpecProblem) => (p.range ? p.range.start.line * 10_000 + p.range.start.column : 0);
  return problems.map((p, i) => ({ p, i })).sort((a, b) => key(a.p) - key(b.p) || a.i - b.i).map((x) => x.p);
}

export type SpecFormat = "json" | "yaml" | "protobuf";

export interface LoadedSpec {
  spec: ImageSpec;
  format: SpecFormat;
  filename: string;
  /** The file as given (what error snippets show). */
  data: Uint8Array;
  /** Source range of every path in the spec (empty for protobuf). */
  ranges: ReadonlyMap<string, SourceRange>;
}

/** JSON when the text starts with an object or a list, YAML otherwise. */
export function textFormat(text: string): "json" | "yaml" {
  return /^\s*[{[]/.test(text) ? "json" : "yaml";
}

function looksBinary(data: Uint8Array, filename: string): boolean {
  if (/\.(pb|binpb)$/i.test(filename)) return true;
  if (data.includes(0)) return true;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(data);
    return false;
  } catch {
    return true;
  }
}

function decodeProtobuf(data: Uint8Array): unknown {
  const type = messageType("flyteidl2.imagebuilder.ImageSpec");
  try {
    return type.toObject(type.decode(data), { ...TO_OBJECT, enums: String });
  } catch (e) {
    throw new SpecError([{ path: "", message: `not a valid binary ImageSpec: ${(e as Error).message}` }], "spec.pb");
  }
}

/** Parses, decodes and validates a spec; throws a SpecError listing every problem. */
export function loadSpec(data: Uint8Array, filename: string): LoadedSpec {
  if (data.length > MAX_SPEC_BYTES) {
    throw new SpecError([{ path: "", message: `the spec is ${data.length} bytes; the limit is ${MAX_SPEC_BYTES}` }], filename);
  }
  let format: SpecFormat;
  let problems: SpecProblem[];
  let decoded;
  if (looksBinary(data, filename)) {
    format = "protobuf";
    decoded = decodeSpecTree(fromPlain(decodeProtobuf(data)));
  } else {
    const text = new TextDecoder().decode(data);
    format = textFormat(text);
    const tree = format === "json" ? parseJson(text) : parseText(text);
    if (tree.errors.length > 0) {
      throw new SpecError(
        tree.errors.map((e) => ({ path: "", message: `${format === "json" ? "JSON" : "YAML"} syntax error: ${e.message}`, range: e.range })),
        filename,
      );
    }
    decoded = decodeSpecTree(tree.root);
  }
  problems = decoded.problems;
  if (!decoded.value) throw new SpecError(problems, filename);
  const spec = toImageSpec(decoded.value);
  // Semantic checks run on whatever decoded, so one pass reports every problem; a path that
  // already has a structural problem gets no second, derived complaint.
  const broken = problems.map((p) => p.path);
  const semantic = validateSpec(spec, decoded.ranges).filter((p) => !broken.some((b) => p.path === b || p.path.startsWith(b + ".") || p.path.startsWith(b + "[") || b.startsWith(p.path + ".") || b.startsWith(p.path + "[")));
  problems = sortProblems([...problems, ...semantic]);
  if (problems.length > 0) throw new SpecError(problems, filename);
  return { spec, format, filename, data, ranges: decoded.ranges };
}
