/**
 * Writes a plan step by step: the filesystem so far, its env and working directory, the
 * history, and what each spec entry contributed (which optimize reads to rewrite the plan).
 */
import type { Layer, Secret } from "../imagespec/model.js";
import { secretEnvName, secretId } from "../imagespec/secrets.js";
import { expandVariables } from "../grammars/env-expansion.js";
import type { Env, ExecExtras, ExecStep, Fs, HistoryEntry, LayerPlan, Mount, PythonSplit, SecretEnv, SpecPath, Step } from "./plan.js";
import { stepFs } from "./plan.js";

export type { ExecExtras };

/** Where FILE secrets appear (Flyte's convention). */
export const SECRET_DIR = "/etc/flyte/secrets";

/** Mounts and env of a layer's secrets; values never enter the plan, only their ids. */
export function secretUse(list: readonly Secret[]): { mounts: Mount[]; env: Record<string, string>; secretEnv: SecretEnv[] } {
  const mounts: Mount[] = [];
  const env: Record<string, string> = {};
  const secretEnv: SecretEnv[] = [];
  for (const s of list) {
    const id = secretId(s);
    if (s.mount === "FILE") {
      const dest = `${SECRET_DIR}/${id}`;
      mounts.push({ kind: "secret", dest, id, mode: 0o400 });
      if (s.envVar) env[s.envVar] = dest;
    } else {
      secretEnv.push({ id, name: secretEnvName(s)! });
    }
  }
  return { mounts, env, secretEnv };
}

/** `what`, on one line and at most `max` characters. */
export function summarize(text: string, max = 100): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > max ? oneLine.slice(0, max - 1) + "…" : oneLine;
}

/** An exec step: its secrets' mounts go after `extras.mounts`, their env under `extras.env`. */
export function execStep(id: string, name: string, at: SpecPath, on: Fs, env: Env, cwd: string, args: readonly string[], extras: ExecExtras = {}): ExecStep {
  const sec = extras.secrets ? secretUse(extras.secrets) : undefined;
  const extraEnv = { ...sec?.env, ...extras.env };
  return {
    kind: "exec",
    id,
    name,
    at,
    on,
    env,
    cwd,
    args,
    ...(Object.keys(extraEnv).length > 0 ? { extraEnv } : {}),
    mounts: [...(extras.mounts ?? []), ...(sec?.mounts ?? [])],
    ...(sec && sec.secretEnv.length > 0 ? { secretEnv: sec.secretEnv } : {}),
  };
}

/** `[3/7] what`: the name of a step of spec entry `index` (0-based) of `total`. */
export function stepName(index: number, total: number, what: string): string {
  return `[${index + 1}/${total}] ${summarize(what)}`;
}

export class PlanBuilder {
  readonly steps: Step[] = [];
  readonly history: HistoryEntry[] = [];
  readonly layers: LayerPlan[] = [];
  fs: Fs = { kind: "base" };
  /** Each variable as its `[key, value]` entry, kept across snapshots until the variable changes. */
  private readonly env = new Map<string, readonly [string, string]>();
  cwd: string;
  private envSnapshot: Env | undefined;
  private current: LayerPlan | undefined;

  /**
   * @param stepEnv variables every exec step gets (under its own extra env), out of the image's
   *   env: `SOURCE_DATE_EPOCH` (see reproducible.ts).
   */
  constructor(
    baseEnv: ReadonlyMap<string, string>,
    cwd: string,
    private readonly total: number,
    private readonly stepEnv: Readonly<Record<string, string>> = {},
  ) {
    for (const [k, v] of baseEnv) this.env.set(k, [k, v]);
    this.cwd = cwd;
  }

  /** The env as it stands, shared by every step until it changes. */
  envNow(): Env {
    this.envSnapshot ??= [...this.env.values()];
    return this.envSnapshot;
  }

  getEnv(name: string): string | undefined {
    return this.env.get(name)?.[1];
  }

  /** Sets a variable, its value expanded against the env so far (`PATH=/x:$PATH`). */
  setEnv(key: string, raw: string): void {
    this.env.set(key, [key, expandVariables(raw, (n) => this.env.get(n)?.[1])]);
    this.envSnapshot = undefined;
  }

  /** `[3/7] what` for a spec entry's step. */
  stepName(layer: Pick<Layer, "index">, what: string): string {
    return stepName(layer.index, this.total, what);
  }

  /** Starts what one spec entry (or the Python environment, index -1) contributes. */
  begin(index: number, at: SpecPath, kind: LayerPlan["kind"]): LayerPlan {
    this.current = { index, at, kind, steps: [], history: [], env: this.envNow(), cwd: this.cwd };
    this.layers.push(this.current);
    return this.current;
  }

  /** Marks the current entry as a Python install optimize may lay out package by package. */
  split(python: PythonSplit): void {
    this.current!.python = python;
  }

  private nextId(): string {
    return `s${this.steps.length + 1}`;
  }

  add<S extends Step>(step: Omit<S, "id">): S {
    const full = { ...step, id: this.nextId() } as S;
    this.steps.push(full);
    this.current?.steps.push(full.id);
    return full;
  }

  record(createdBy: string, emptyLayer: boolean): void {
    const entry = { createdBy, emptyLayer };
    this.history.push(entry);
    this.current?.history.push(entry);
  }

  /** An exec on `on` (the filesystem so far by default), with the env and working directory of this point. */
  exec(name: string, at: SpecPath, args: readonly string[], extras: ExecExtras = {}, on: Fs = this.fs): ExecStep {
    const step = execStep(this.nextId(), name, at, on, this.envNow(), this.cwd, args, { ...extras, env: { ...this.stepEnv, ...extras.env } });
    this.steps.push(step);
    this.current?.steps.push(step.id);
    return step;
  }

  /** An exec on the filesystem so far that becomes it (one layer, recorded in the history). */
  run(name: string, at: SpecPath, args: readonly string[], extras: ExecExtras = {}): ExecStep {
    const step = this.exec(name, at, args, extras);
    this.fs = stepFs(step.id);
    this.record(name, false);
    return step;
  }
}
