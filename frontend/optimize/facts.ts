/** What optimize asks the daemon, what it learns, and the source that answers. */
import { UserError } from "../common/errors.js";
import type { Plan } from "../plan/plan.js";
import type { DistContents } from "./record.js";
import type { Resolution } from "./resolution.js";

/** A resolve step's answer, with the earlier layers' pins it ran with (absent: whatever was asked). */
export type ResolveAnswer = Resolution & { pinsUsed?: readonly string[] };

/** An answer with what it assumed: the pins it ran with, whether it ran on the whole filesystem, and whether beside the venv (beside-venv.ts). */
export type ResolveFact = ResolveAnswer & { onWhole: boolean; beside: boolean };

/** What optimize has learnt so far (each round of questions adds to it). */
export interface OptimizeFacts {
  /** What each Python install entry installs, by the entry's index in the spec. */
  resolutions: ReadonlyMap<number, ResolveFact>;
  /** What each package layer holds, by package layer id (`name==version`). */
  contents: ReadonlyMap<string, DistContents>;
}

/**
 * A question for the daemon: build `probe` (a plan whose result is the probe step's output
 * directory, lowered like any plan) and read the answer from it.
 */
export type FactsRequest =
  | {
      kind: "resolve";
      layer: number;
      at: string;
      installer: "pip" | "uv";
      probe: Plan;
      /** It runs on everything before it (an earlier command or copy), not on the Python environment alone. */
      onWhole: boolean;
      /** It runs beside the venv, in a venv of its own without pip (beside-venv.ts). */
      beside: boolean;
      /** What it assumes, as a key: the pins it is given, or the request whose answer gives them. */
      basis: string;
    }
  /** The output holds layers.json: each layer id's size, file count and shared files (DistContents). */
  | { kind: "inspect"; ids: string[]; probe: Plan; sitePackages: string };

/** Answers optimize's questions: the daemon in a build, canned answers in tests. */
export interface FactSource {
  resolve(req: Extract<FactsRequest, { kind: "resolve" }>): Promise<ResolveAnswer>;
  inspect(req: Extract<FactsRequest, { kind: "inspect" }>): Promise<ReadonlyMap<string, DistContents>>;
}

/** A package's layer holds no installed distribution: the daemon returned something else for it. */
export class EmptyPackageLayerError extends UserError {
  constructor(readonly ids: string[]) {
    super(
      `the layer of ${ids.join(", ")} came back from BuildKit without the installed package (no .dist-info with a RECORD); ` +
        "its build cache is likely damaged: prune it (docker buildx prune, or buildctl prune) and build again",
    );
  }
}
