/** Reads a spec from its bytes: JSON, YAML or binary protobuf, into a validated ImageSpec. */
import { decodeSpecTree } from "./decode.js";
import { detectSpec } from "./format.js";
import { toImageSpec, type ImageSpec } from "./model.js";
import { SpecError, type SpecProblem } from "./problems.js";
import { MAX_REPORTED_PROBLEMS, MAX_SPEC_BYTES } from "./limits.js";
import { isProtobufSpec, readProtobufSpec } from "./protobuf.js";
import { DOCUMENT_START, fromPlain, parseSpecText, textFormat, type SourceRange } from "./tree.js";
import { validateSpec } from "./validate.js";


/** Problems in file order (unlocated ones first), stable otherwise. */
function sortProblems(problems: SpecProblem[]): SpecProblem[] {
  const line = (p: SpecProblem) => p.range?.start.line ?? 0;
  const column = (p: SpecProblem) => p.range?.start.column ?? 0;
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => line(a.p) - line(b.p) || column(a.p) - column(b.p) || a.i - b.i)
    .map((x) => x.p);
}

/** Every proper prefix of a path that is itself a path: `a.b[2].c` → `a`, `a.b`, `a.b[2]`. */
function parentPaths(path: string): string[] {
  const out: string[] = [];
  for (let i = 1; i < path.length; i++) {
    const c = path[i];
    if (c === "." || c === "[") out.push(path.slice(0, i));
  }
  return out;
}

/** Drops semantic problems on, inside or around a path that already has a structural problem. */
function withoutDerived(semantic: SpecProblem[], structural: SpecProblem[]): SpecProblem[] {
  const broken = new Set(structural.map((p) => p.path));
  const aroundBroken = new Set(structural.flatMap((p) => parentPaths(p.path)));
  return semantic.filter((p) => !broken.has(p.path) && !aroundBroken.has(p.path) && !parentPaths(p.path).some((a) => broken.has(a)));
}

/** At most MAX_REPORTED_PROBLEMS problems, then a line saying how many more there are. */
function capped(problems: SpecProblem[], more: boolean): SpecProblem[] {
  if (problems.length <= MAX_REPORTED_PROBLEMS && !more) return problems;
  const kept = problems.slice(0, MAX_REPORTED_PROBLEMS);
  const rest = problems.length - kept.length;
  const last = kept[kept.length - 1];
  const tail: SpecProblem = { path: "", message: rest > 0 && !more ? `… and ${rest} more problems` : "… and more problems (checking stopped here)", hint: "fix these first" };
  if (last?.range) tail.range = last.range;
  return [...kept, tail];
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

/**
 * A guess from the first bytes, for labelling text: JSON when it starts with an object or a
 * list. LoadedSpec.format is what the spec was actually read as.
 */
export { textFormat };

/** Parses, decodes and validates a spec; throws a SpecError listing every problem. */
export function loadSpec(data: Uint8Array, filename: string): LoadedSpec {
  if (data.length > MAX_SPEC_BYTES) {
    throw new SpecError([{ path: "", message: `the spec is more than ${MAX_SPEC_BYTES} bytes (the limit)`, range: DOCUMENT_START }], filename);
  }
  let format: SpecFormat;
  let decoded;
  const detected = detectSpec(data, filename, isProtobufSpec);
  if (detected.kind === "protobuf") {
    format = "protobuf";
    const read = readProtobufSpec(data);
    if (!read.value) throw new SpecError(capped(read.problems, false), filename);
    decoded = decodeSpecTree(fromPlain(read.value));
  } else {
    const parsed = parseSpecText(detected.text, filename);
    format = parsed.format;
    if (parsed.tree.errors.length > 0) {
      throw new SpecError(
        capped(parsed.tree.errors.map((e) => ({ path: "", message: e.message, range: e.range, ...(e.hint ? { hint: e.hint } : {}) })), false),
        filename,
      );
    }
    decoded = decodeSpecTree(parsed.tree.root);
  }
  let problems = decoded.problems;
  if (!decoded.value) throw new SpecError(capped(sortProblems(problems), decoded.truncated), filename);
  const spec = toImageSpec(decoded.value);
  // Semantic checks run on whatever decoded, so one pass reports every problem; a path that
  // already has a structural problem gets no second, derived complaint.
  const semantic = withoutDerived(validateSpec(spec, decoded.ranges), problems);
  problems = capped(sortProblems([...problems, ...semantic]), decoded.truncated);
  if (problems.length > 0) throw new SpecError(problems, filename);
  return { spec, format, filename, data, ranges: decoded.ranges };
}
