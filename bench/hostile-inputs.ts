/**
 * Generators of pathological specs, one per class of hostile input, scaled by a size parameter
 * `n`: the benchmark runs each near the 1 MiB limit, the work-bound test compares n with 2n.
 */
import { MAX_SPEC_BYTES } from "../frontend/imagespec/limits.js";
import { varint } from "../test/support/wire-bytes.js";

export interface HostileInput {
  name: string;
  filename: string;
  /** The input for size parameter n; its byte length grows linearly with n. */
  make: (n: number) => Uint8Array;
  /** n that makes the input about 1 MiB (at most MAX_SPEC_BYTES), or the largest n under a value cap. */
  fullSize: number;
  /** n for the work-bound test: n and 2n both take long enough to time, and 2n is within the caps. */
  workSize: number;
}

const text = (s: string) => new TextEncoder().encode(s);

function delimited(field: number, payload: number[] | Uint8Array): number[] {
  return [...varint((field << 3) | 2), ...varint(payload.length), ...payload];
}

export const HOSTILE_INPUTS: HostileInput[] = [
  { name: "empty layers (JSON)", workSize: 13333, filename: "spec.json", fullSize: 340_000, make: (n) => text(`{"base_image":"x:1","layers":[${Array(n).fill("{}").join(",")}]}`) },
  { name: "empty layers (YAML flow)", workSize: 2000, filename: "spec.yaml", fullSize: 340_000, make: (n) => text(`base_image: x:1\nlayers: [${Array(n).fill("{}").join(",")}]\n`) },
  { name: "numbers list (YAML block)", workSize: 3333, filename: "spec.yaml", fullSize: 260_000, make: (n) => text(`base_image: x:1\nplatform:\n${"- 1\n".repeat(n)}`) },
  { name: "invalid packages (JSON)", workSize: 5000, filename: "spec.json", fullSize: 90_000, make: (n) => text(`{"base_image":"x:1","layers":[{"apt_packages":{"packages":[${Array.from({ length: n }, (_, i) => `"B${i}"`).join(",")}]}}]}`) },
  { name: "valid packages (YAML)", workSize: 3333, filename: "spec.yaml", fullSize: 45_000, make: (n) => text(`base_image: x:1\nlayers:\n  - pip_packages:\n      packages:\n${Array.from({ length: n }, (_, i) => `        - pkg-${i}\n`).join("")}`) },
  { name: "unknown keys (JSON)", workSize: 10000, filename: "spec.json", fullSize: 80_000, make: (n) => text(`{"base_image":"x:1",${Array.from({ length: n }, (_, i) => `"k${i}":1`).join(",")}}`) },
  { name: "one long string", workSize: 66666, filename: "spec.yaml", fullSize: 1_000_000, make: (n) => text(`base_image: "${"a".repeat(n)}"\n`) },
  { name: "long line of escapes (JSON)", workSize: 13333, filename: "spec.json", fullSize: 170_000, make: (n) => text(`{"base_image":"${"\\u0041".repeat(n)}"}`) },
  { name: "deep nesting (flow)", workSize: 33333, filename: "spec.yaml", fullSize: 500_000, make: (n) => text(`base_image: x:1\nlayers: ${"[".repeat(n)}${"]".repeat(n)}\n`) },
  { name: "deep nesting (JSON)", workSize: 33333, filename: "spec.json", fullSize: 500_000, make: (n) => text(`{"layers":${"[".repeat(n)}${"]".repeat(n)}}`) },
  { name: "deep nesting (block)", workSize: 33333, filename: "spec.yaml", fullSize: 500_000, make: (n) => text(`base_image: x:1\nlayers:\n  ${"- ".repeat(n)}x\n`) },
  { name: "many aliases", workSize: 3333, filename: "spec.yaml", fullSize: 120_000, make: (n) => text(`base_image: x:1\nplatform: &p linux/amd64\nlayers:\n  - apt_packages:\n      packages: [${Array(n).fill("*p").join(",")}]\n`) },
  { name: "alias bomb", workSize: 3333, filename: "spec.yaml", fullSize: 50_000, make: (n) => text(`a: &a [${Array(10).fill("x").join(",")}]\n${Array.from({ length: n }, (_, i) => `b${i}: &b${i} [*${i === 0 ? "a" : `b${i - 1}`},*${i === 0 ? "a" : `b${i - 1}`}]\n`).join("")}`) },
  { name: "aliases of a long string", workSize: 16_000, filename: "spec.yaml", fullSize: 60_000, make: (n) => text(`base_image: x:1\nlayers:\n  - commands:\n      cmd: [&c "echo ${"a".repeat(n)}", *c, *c, *c]\n`) },
  { name: "control characters", workSize: 3333, filename: "spec.yaml", fullSize: 120_000, make: (n) => text(`base_image: x:1\nplatform: [${Array(n).fill('"\\0"').join(",")}]\n`) },
  { name: "empty layers at the YAML cap", workSize: 2000, filename: "spec.yaml", fullSize: 14_900, make: (n) => text(`base_image: x:1\nlayers: [${Array(n).fill("{}").join(",")}]\n`) },
  { name: "packages at the YAML cap", workSize: 3333, filename: "spec.yaml", fullSize: 29_900, make: (n) => text(`base_image: x:1\nlayers:\n  - pip_packages:\n      packages:\n${Array.from({ length: n }, (_, i) => `        - pkg-${i}\n`).join("")}`) },
  { name: "layers at the YAML cap", workSize: 833, filename: "spec.yaml", fullSize: 7_400, make: (n) => text(`base_image: x:1\nlayers:\n${Array.from({ length: n }, (_, i) => `  - workdir: {workdir: /w${i}}\n`).join("")}`) },
  { name: "env keys at the YAML cap", workSize: 1666, filename: "spec.yaml", fullSize: 14_900, make: (n) => text(`base_image: x:1\nlayers: [{env: {env_variables: {${Array.from({ length: n }, (_, i) => `K${i}: v`).join(", ")}}}}]\n`) },
  { name: "layers (JSON, 1 MiB)", workSize: 2666, filename: "spec.json", fullSize: 30_000, make: (n) => text(`{"base_image":"x:1","layers":[${Array.from({ length: n }, (_, i) => `{"workdir":{"workdir":"/w${i}"}}`).join(",")}]}`) },
  { name: "nested to the limit, repeated (JSON)", workSize: 500, filename: "spec.json", fullSize: 3_300, make: (n) => text(`{"base_image":"x:1","platform":[${Array(n).fill("[".repeat(60) + "]".repeat(60)).join(",")}]}`) },
  { name: "nested to the limit, repeated (YAML)", workSize: 200, filename: "spec.yaml", fullSize: 1_800, make: (n) => text(`base_image: x:1\nplatform: [${Array(n).fill("[".repeat(15) + "]".repeat(15)).join(",")}]\n`) },
  { name: "quote that spans lines (exact lexer scan)", workSize: 4000, filename: "spec.yaml", fullSize: 500_000, make: (n) => text(`base_image: x:1\npython_version: it's '\nplatform: [${"1,".repeat(n)}1]\n`) },
  { name: "closing brackets outside a list (one parse error each)", workSize: 4000, filename: "spec.yaml", fullSize: 1_000_000, make: (n) => text(`base_image: x:1\n${"]".repeat(n)}\n`) },
  { name: "blank lines", workSize: 40_000, filename: "spec.yaml", fullSize: 500_000, make: (n) => text(`base_image: x:1\n${" \n".repeat(n)}`) },
  { name: "empty quoted strings", workSize: 4000, filename: "spec.yaml", fullSize: 500_000, make: (n) => text(`base_image: x:1\nplatform: ${'""'.repeat(n)}\n`) },
  { name: "commas (broken JSON, one error each)", workSize: 100_000, filename: "spec.json", fullSize: 1_000_000, make: (n) => text(`{"base_image":"x:1",${",".repeat(n)}}`) },
  { name: "dashes after an object (neither JSON nor YAML)", workSize: 100_000, filename: "spec", fullSize: 1_000_000, make: (n) => text(`{"base_image":"x:1", ${"-".repeat(n)}`) },
  { name: "quote that spans lines, then nested dashes (exact lexer scan)", workSize: 3000, filename: "spec.yaml", fullSize: 250_000, make: (n) => text(`base_image: x:1\npython_version: it's '\nlayers:\n${"- -\n".repeat(n)}`) },
  {
    name: "protobuf unknown fields",
    workSize: 33333,
    filename: "spec.pb",
    fullSize: 500_000,
    make: (n) => new Uint8Array([...delimited(1, text("x:1")), ...Array.from({ length: n }, () => [0x48, 0x01]).flat()]),
  },
  {
    name: "protobuf packages",
    workSize: 6666,
    filename: "spec.pb",
    fullSize: 100_000,
    make: (n) => new Uint8Array([...delimited(1, text("x:1")), ...delimited(3, delimited(1, Array.from({ length: n }, (_, i) => delimited(1, text(`p${i % 1000}`))).flat()))]),
  },
  { name: "protobuf empty layers", workSize: 13333, filename: "spec.pb", fullSize: 500_000, make: (n) => new Uint8Array([...delimited(1, text("x:1")), ...Array.from({ length: n }, () => [0x1a, 0x00]).flat()]) },
];

/** The input at full size, trimmed to the limit if the estimate overshoots. */
export function fullInput(h: HostileInput): Uint8Array {
  let n = h.fullSize;
  let data = h.make(n);
  while (data.length > MAX_SPEC_BYTES) {
    n = Math.floor((n * MAX_SPEC_BYTES) / data.length * 0.99);
    data = h.make(n);
  }
  return data;
}
