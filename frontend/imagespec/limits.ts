/**
 * Every bound on a spec: its size, its contents, and the work it may cause before any field is
 * looked at. A real ImageSpec nests fewer than 10 levels and has at most tens of thousands of
 * values; these stop hostile inputs (deep nesting, alias bombs, huge lists) with a clear
 * message instead of a crash or a stall.
 */

/** The spec file's size, enforced while reading. */
export const MAX_SPEC_BYTES = 1 << 20;

/** Size limits of a spec's contents. */
export const LIMITS = { layers: 10_000, packagesPerLayer: 50_000, stringLength: 64 * 1024 } as const;

/** Nesting levels of lists and objects, counted from the document root. */
export const MAX_DEPTH = 64;

/** Values (scalars, lists, objects) in one spec, after YAML aliases are expanded. */
export const MAX_VALUES = 200_000;

/**
 * Values in a YAML document before it is parsed: the YAML library needs far more time and
 * memory per value than the JSON parser, so large generated specs should be JSON.
 */
export const MAX_YAML_VALUES = 30_000;

/** Problems listed in full; after these the report ends with a count of the rest. */
export const MAX_REPORTED_PROBLEMS = 1000;

/** The alias expansion budget of a document: proportional to its size, capped by MAX_VALUES. */
export function valueBudget(textLength: number): number {
  return Math.min(MAX_VALUES, 1024 + 4 * textLength);
}
