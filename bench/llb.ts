/** LLB marshal benchmark: a 5,000-op graph (execs with mounts, file ops, merges). */
import { FileAction, image, local, merge, type State } from "../llb/src/index.js";
import { measure, timingOf, type Timing } from "./stats.js";

export function graphOf(ops: number): State {
  const ctx = local("context", { sessionId: "bench", sharedKeyHint: "context", followPaths: ["src"] });
  let s: State = image("docker.io/library/python:3.12-slim").withEnv("PATH", "/usr/bin:/bin");
  let count = 2;
  let i = 0;
  while (count < ops) {
    if (i % 10 === 9) {
      s = merge([s, s.file(FileAction.mkfile(`/m/${i}`, 0o644, `m${i}`))]);
      count += 2;
    } else if (i % 3 === 2) {
      s = s.file(FileAction.mkdir(`/d/${i}`, 0o755, { parents: true }).copy(ctx, "src", `/d/${i}/`, { createDestPath: true }));
      count += 1;
    } else {
      s = s
        .run({
          args: ["/bin/sh", "-c", `echo ${i} >> /log`],
          env: { STEP: String(i) },
          mounts: [
            { type: "cache", dest: "/root/.cache/uv", id: "uv", sharing: "locked" },
            { type: "bind", dest: "/ctx", source: ctx, readonly: true },
          ],
          customName: `step ${i}`,
        })
        .root();
      count += 1;
    }
    i++;
  }
  return s;
}

export interface LlbBench {
  ops: number;
  /** Building the graph with the State API (untimed in `marshalCold`; vertices prepare their ops here). */
  build: Timing;
  /** State graph to Definition (op bytes, digests, metadata, source map), each run on a graph never marshaled before. */
  marshalCold: Timing;
  /** The Definition to its protobuf bytes (what a SolveRequest carries). */
  encode: Timing;
  encodeBytes: number;
}

export function benchLlb(runs = 30): LlbBench {
  // Each run gets a graph built just before it (untimed): a frontend marshals the graph it has
  // just built, and holding every graph at once would bill old-space GC of the others.
  const warmup = 3;
  const buildTimes: number[] = [];
  let graph = graphOf(5000);
  const marshalCold = measure(
    () => graph.marshal(),
    runs,
    warmup,
    () => {
      const t = performance.now();
      graph = graphOf(5000);
      buildTimes.push(performance.now() - t);
    },
  );
  const def = graph.marshal();
  const encode = measure(() => def.encode(), runs);
  return { ops: def.def.length, build: timingOf(buildTimes.slice(warmup)), marshalCold, encode, encodeBytes: def.encode().length };
}
