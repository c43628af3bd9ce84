/**
 * Optimize: a plan → plan rewrite that gives every Python distribution a layer of its own (a
 * heavy one installed by a step of its own, light ones a few to a step: grouping.ts), then lays
 * the package layers out under the layer budget (package-layers.ts).
 *
 * Package layers wait (`pending`, and the app's own layers in `appLayers`) while the other
 * entries go on in `state`; they are laid out and merged onto it when something needs the whole
 * filesystem (a command, an entry installed in one step) or at the end. What it does not know yet
 * (what an entry resolves to, what a layer holds) it asks for: the answer is a probe plan.
 */
import { execStep, stepName, summarize } from "../plan/builder.js";
import { installerMounts, type Installer } from "../plan/installer.js";
import type { Env, ExecExtras, ExecStep, Fs, HistoryEntry, LayerPlan, Mount, PinnedDist, Plan, PythonSplit, Step } from "../plan/plan.js";
import { layerBudget, layersOf } from "./budget.js";
import type { FactsRequest, OptimizeFacts, ResolveFact } from "./facts.js";
import { besideVenvArgv, DETERMINISTIC_ENV, FACTS_OUT, groupInstallArgv, installerName, installing, listed, inputsMount, inspectArgv, inspectMountDir, installArgv, packageOutDir, pinLine, RESOLVE_OUT, resolveStep, TOOLS_MOUNT } from "./install-steps.js";
import { installUnits } from "./grouping.js";
import { triage } from "./triage.js";
import { splitInstallerArgs } from "./installer-args.js";
import { installOrder } from "./layout.js";
import { layOutPackages, type PendingPackage } from "./package-layers.js";
import { distId, pinnedDist, type ResolvedDist } from "./resolution.js";
import { pinsText, samePins } from "./pins.js";
import { installerEnv } from "./installer-env.js";
import { venvToResolveBeside } from "./beside-venv.js";

export type OptimizeOutcome = { plan: Plan } | { needs: FactsRequest[] };

export interface OptimizeBudget {
  /** The most layers the image may have, the base image's counted. */
  maxLayers: number;
}

/** Where a step runs: a filesystem, with the env and working directory of that point. */
interface At {
  fs: Fs;
  env: Env;
  cwd: string;
}

/** Raised inside the rewrite to stop where it cannot go on without the facts asked for so far. */
class Needs {
  constructor(readonly requests: FactsRequest[]) {}
}

export function optimizePlan(plan: Plan, facts: OptimizeFacts, budget: OptimizeBudget): OptimizeOutcome {
  if (!plan.layers || !plan.installer) return { plan };
  try {
    return { plan: new Optimizer(plan, plan.layers, plan.installer, facts, budget).run() };
  } catch (e) {
    if (e instanceof Needs) return { needs: e.requests };
    throw e;
  }
}

/** A package layer an install makes: one distribution's, or a few small ones' that share it. */
interface InstalledLayer {
  members: ResolvedDist[];
  fs: Fs;
  /** Where its install step summed it up, when it did. */
  facts?: { fs: Fs; dir: string };
}

class Optimizer {
  private readonly steps: Step[] = [];
  private readonly history: HistoryEntry[] = [];
  private readonly notes: string[] = [];
  private readonly inst: Installer;
  private readonly total: number;
  private state: At;
  private pyBase: At | undefined;
  /** The filesystem the venv is made on, and how, when resolve steps may run beside it (beside-venv.ts). */
  private preVenv: { fs: Fs; venv: NonNullable<ReturnType<typeof venvToResolveBeside>> } | undefined;
  /**
   * While the steps since pyBase (apt, workdir…) are a plain chain on it, where their history
   * starts: at the merge they go after the package layers (see finalize).
   */
  private tail: { from: number } | undefined;
  /** A copy, command or one-step install happened since pyBase was set. */
  private barrier = false;
  private pending: PendingPackage[] = [];
  private appLayers: { fs: Fs; history: string }[] = [];
  /** Distributions installed package by package so far, by normalized name. */
  private readonly pins = new Map<string, { name: string; version: string }>();
  /** The same, in install order, with the file each came from (for the SBOM). */
  private readonly pinned: PinnedDist[] = [];
  /** Position in `layers` of the entry being rewritten (for the budget: what is still to come). */
  private cursor = 0;
  /**
   * Resolutions asked for in this pass. While there are any, later entries' resolve steps run on
   * the last one's answer (`chain`) in the same round, until something needs the whole filesystem.
   */
  private readonly asks: FactsRequest[] = [];
  private chain: { execId: string; key: string } | undefined;

  constructor(
    private readonly plan: Plan,
    private readonly layers: readonly LayerPlan[],
    installer: NonNullable<Plan["installer"]>,
    private readonly facts: OptimizeFacts,
    private readonly budget: OptimizeBudget,
  ) {
    this.inst = { kind: installer.kind, venv: installer.venv, settings: { cacheNamespace: installer.cacheNamespace }, ...(installer.resolverPip ? { resolverPip: true } : {}) };
    this.total = layers.filter((l) => l.index >= 0).length;
    this.state = { fs: { kind: "base" }, env: plan.layers?.[0]?.env ?? plan.env, cwd: plan.layers?.[0]?.cwd ?? plan.cwd };
  }

  private readonly byId = new Map<string, Step>();

  run(): Plan {
    for (const s of this.plan.steps) this.byId.set(s.id, s);
    this.layers.forEach((l, i) => {
      this.cursor = i;
      this.entry(l, i);
    });
    this.cursor = this.layers.length;
    this.finalize(true);
    const { layers: _layers, ...rest } = this.plan;
    return { ...rest, steps: this.steps, result: this.state.fs, history: this.history, notes: [...this.plan.notes, ...this.notes], pinned: this.pinned };
  }

  /** The env and working directory after entry `i`. */
  private after(i: number): { env: Env; cwd: string } {
    const next = this.layers[i + 1];
    return next ? { env: next.env, cwd: next.cwd } : { env: this.plan.env, cwd: this.plan.cwd };
  }

  private entry(l: LayerPlan, i: number): void {
    const py = l.python;
    if (py) {
      if (py.unsupported) this.oneStep(l, i, py.unsupported);
      else this.optimizedEntry(l, i, py);
    } else if (l.kind === "commands") {
      // Commands see the whole filesystem, and what they change is not known to the frontend.
      this.finalize();
      this.tail = undefined;
      this.asPlanned(l, i);
      this.barrier = true;
    } else if (l.kind === "copy_config") {
      this.stopIfAsking();
      // The app's files go after the packages: the copy is made on the other steps' filesystem
      // and kept as its own layer, so packages and copy stay independent of each other.
      const before = this.state.fs;
      const copied = this.reuse(l, before);
      this.appLayers.push({ fs: { kind: "diff", lower: before, upper: copied }, history: l.history[0]!.createdBy });
      this.barrier = true;
    } else {
      const before = this.state.fs;
      this.asPlanned(l, i);
      if (l.kind === "python-env") {
        const venv = venvToResolveBeside(this.plan);
        if (venv && l.steps.length > 0) this.preVenv = { fs: before, venv };
        this.pyBase = { ...this.state };
        this.tail = { from: this.history.length };
      }
    }
  }

  /** Re-emits an entry's planned steps on the filesystem so far; `note` is added to their names. */
  private reuse(l: LayerPlan, on: Fs, note = ""): Fs {
    let last = on;
    l.steps.forEach((id, k) => {
      const s = this.byId.get(id)!;
      const moved = { ...s, ...(k === 0 && "on" in s ? { on } : {}), name: s.name + note } as Step;
      this.steps.push(moved);
      last = { kind: "step", id };
    });
    return last;
  }

  /** The entry as planned, onto the state; it becomes the state. */
  private asPlanned(l: LayerPlan, i: number, note = ""): void {
    const fs = this.reuse(l, this.state.fs, note);
    for (const h of l.history) this.record(h.createdBy + (h.emptyLayer ? "" : note), h.emptyLayer);
    this.state = { fs, ...this.after(i) };
  }

  private record(createdBy: string, emptyLayer: boolean): void {
    this.history.push({ createdBy, emptyLayer });
  }

  /** Installed as planned, on the whole filesystem, saying why in its step names. */
  private oneStep(l: LayerPlan, i: number, reason: string): void {
    this.finalize();
    this.tail = undefined;
    this.notes.push(`${l.at}: installed in one step, not package by package: ${reason}`);
    this.asPlanned(l, i, ` (one step: ${summarize(reason, 80)})`);
    this.barrier = true;
  }

  private optimizedEntry(l: LayerPlan, i: number, py: PythonSplit): void {
    if (py.resolve && !this.packages(l, i, py)) return;
    if (py.app) {
      // The project itself is the app: its own layer after the packages.
      const onto = this.whole();
      const installed = this.exec(onto, py.app.name, l.at, py.app.args, py.app.extras);
      this.appLayers.push({ fs: { kind: "diff", lower: onto.fs, upper: { kind: "step", id: installed.id } }, history: py.app.name });
      this.barrier = true;
    }
    this.state = { ...this.state, ...this.after(i) };
  }

  private nextId(): string {
    return `o${this.steps.length + 1}`;
  }

  private exec(on: At, name: string, at: string, args: readonly string[], extras: ExecExtras = {}): ExecStep {
    const step = execStep(this.nextId(), name, at, on.fs, on.env, on.cwd, args, extras);
    this.steps.push(step);
    return step;
  }

  /** Nothing that needs the whole filesystem can be planned while an earlier entry's packages are unknown. */
  private stopIfAsking(): void {
    if (this.asks.length > 0) throw new Needs(this.asks);
  }

  /** Everything so far as one filesystem (package layers not yet laid out, in install order). */
  private whole(): At {
    this.stopIfAsking();
    if (this.pending.length === 0 && this.appLayers.length === 0) return this.state;
    return { ...this.state, fs: { kind: "merge", of: [this.state.fs, ...this.pending.map((p) => p.layer), ...this.appLayers.map((a) => a.fs)] } };
  }

  /** The filesystem a wheel installs onto, with the env and working directory of this point. */
  private installBase(): At {
    return this.barrier ? this.whole() : { ...this.state, fs: this.pyBase!.fs };
  }

  /**
   * Where a wheel installs: the install base, with the Python environment's env plus only what
   * the installer reads of the spec's env, in "/". So its step, and its layer's cache key, depend
   * on the pin, the installer and the environment, not on the spec's other entries: a sibling
   * spec with another workdir or env reuses it. A wheel of the build context keeps the working
   * directory, which relative paths in the layer's options name it by.
   */
  private wheelBase(fromContext: boolean): At {
    const base = this.installBase();
    return { fs: base.fs, env: installerEnv(this.pyBase!.env, this.state.env), cwd: fromContext ? base.cwd : "/" };
  }

  private step(l: LayerPlan, what: string): string {
    return stepName(l.index, this.total, what);
  }

  /** Installs the entry's packages one by one; false when it was installed in one step instead. */
  private packages(l: LayerPlan, i: number, py: PythonSplit): boolean {
    const inst = this.inst;
    const inOneStep = (reason: string): false => (this.oneStep(l, i, reason), false);
    const split = splitInstallerArgs(py.resolve!.options, this.pins.size > 0);
    if (split.unsupported) return inOneStep(split.unsupported);
    const fact = this.facts.resolutions.get(l.index);
    const resolution = fact && this.asks.length === 0 && this.holds(fact) ? fact : undefined;
    if (!resolution) {
      this.askResolve(l, py);
      return true;
    }
    if (!resolution.ok) return inOneStep(`resolving it against what is installed failed: ${resolution.reason}`);
    const t = triage(resolution, this.pins);
    if (t.kind === "one-step") return inOneStep(t.reason);
    const { todo, replacing } = t;
    const ordered = installOrder(todo);
    const perPackage = [...split.perPackage, ...py.fileOptions];
    const position = new Map(ordered.map((d, n) => [d.key, n + 1]));
    const counted = (what: string, d: ResolvedDist) => this.step(l, `${what} (package ${position.get(d.key)} of ${ordered.length})`);
    // Each distribution's layer; members of a group step may share one (grouping.ts).
    const layerOf = new Map<string, InstalledLayer>();
    for (const unit of installUnits(ordered, replacing)) {
      if (unit.kind === "single") {
        const d = unit.dist;
        layerOf.set(d.key, { members: [d], fs: this.installAlone(l, py, d, perPackage, counted(installing(this.inst, d), d), replacing.has(d.key) ? resolution.installed[d.key] : undefined) });
        continue;
      }
      const ids = unit.members.map(distId);
      const first = unit.members[0]!;
      const count = new Set(unit.slots).size;
      const each = count === ids.length ? "one layer each" : `${count} layer${count === 1 ? "" : "s"}`;
      const name = unit.members.length === 1 ? counted(installing(this.inst, first), first) : this.step(l, `${installerName(this.inst)} install ${listed(ids)} (${ids.length} packages of ${ordered.length}, ${each})`);
      const step = this.installGroup(l, py, unit.members, unit.slots, perPackage, name);
      const slots: InstalledLayer[] = [];
      unit.members.forEach((d, i) => {
        const k = unit.slots[i]!;
        const slot = (slots[k] ??= { members: [], fs: { kind: "output", id: step, dest: packageOutDir(k) }, facts: { fs: { kind: "output", id: step, dest: FACTS_OUT }, dir: String(k) } });
        slot.members.push(d);
        layerOf.set(d.key, slot);
      });
    }
    const laid = new Set<InstalledLayer>();
    for (const d of ordered) {
      this.pins.set(d.key, { name: d.name, version: d.version });
      this.pinned.push(pinnedDist(d));
      const layer = layerOf.get(d.key)!;
      if (laid.has(layer)) continue;
      laid.add(layer);
      const fromContext = d.source.kind === "context-wheel" || ((d.source.kind === "wheel" || d.source.kind === "sdist") && d.source.fromContext);
      const ids = layer.members.map(distId);
      const id = ids.length === 1 ? ids[0]! : listed(ids);
      const step = this.step(l, ids.length === 1 ? installing(this.inst, d) : `${installerName(this.inst)} install ${id}`);
      this.pending.push({ id, layer: layer.fs, ...(layer.facts ? { facts: layer.facts } : {}), order: this.pending.length, app: fromContext, step, ...(replacing.has(d.key) ? { solo: true } : {}) });
    }
    return true;
  }

  /**
   * One distribution in a step of its own, its layer cut from what the step changed. `replaces`:
   * the version of it the base image has, which its layer must delete.
   */
  private installAlone(l: LayerPlan, py: PythonSplit, d: ResolvedDist, perPackage: readonly string[], name: string, replaces?: string): Fs {
    const inst = this.inst;
    // An sdist is built on top of everything before it, as without optimize.
    const fromContext = d.source.kind === "context-wheel" || ((d.source.kind === "wheel" || d.source.kind === "sdist") && d.source.fromContext);
    const onto = d.source.kind === "sdist" ? this.whole() : this.wheelBase(fromContext);
    const mounts: Mount[] = [
      ...installerMounts(inst, "shared"),
      TOOLS_MOUNT,
      ...(d.source.kind === "context-wheel" ? [] : [inputsMount({ "requirements.txt": pinLine(d) }, `pin ${distId(d)}`)]),
      ...(fromContext ? py.mounts : []),
    ];
    const installed = this.exec(onto, name, l.at, installArgv(inst, d, perPackage), { mounts, env: { ...py.indexEnv, ...DETERMINISTIC_ENV }, secrets: py.secrets });
    const changes: Fs = { kind: "diff", lower: onto.fs, upper: { kind: "step", id: installed.id } };
    if (replaces !== undefined) {
      // The diff itself keeps the deletions of an upgrade of what the base image has (its bytes
      // are not fixed: it is a layer of this image only).
      return { ...changes, name: this.step(l, `layer of ${distId(d)} (replaces ${d.name} ${replaces})`) };
    }
    const top = inst.venv.replace(/^\/+/, "").split("/")[0]!;
    const cut = { kind: "package-layer" as const, id: this.nextId(), name: this.step(l, `layer of ${distId(d)}`), at: l.at, from: changes, top, dist: distId(d) };
    this.steps.push(cut);
    return { kind: "step", id: cut.id };
  }

  /**
   * Index wheels installed by one step (one container, one installer run) on the Python
   * environment, in "/": member i's files come out in the directory of its slot, a layer
   * (packageOutDir(slots[i])), summed up in FACTS_OUT/slots[i]. Returns the step's id.
   */
  private installGroup(l: LayerPlan, py: PythonSplit, members: readonly ResolvedDist[], slots: readonly number[], perPackage: readonly string[], name: string): string {
    const inst = this.inst;
    const outs = [...[...new Set(slots)].map(packageOutDir), FACTS_OUT];
    const mounts: Mount[] = [...installerMounts(inst, "shared"), TOOLS_MOUNT, ...outs.map((dest): Mount => ({ kind: "output", dest }))];
    return this.exec(this.wheelBase(false), name, l.at, groupInstallArgv(inst, members, slots, perPackage), { mounts, env: { ...py.indexEnv, ...DETERMINISTIC_ENV }, secrets: py.secrets }).id;
  }

  /** Whether an answer still fits: it ran on the filesystem and with the pins this point has (and, from beside the venv, did not fail: a failure is asked again on the venv). */
  private holds(fact: ResolveFact): boolean {
    return fact.onWhole === this.barrier && (fact.pinsUsed === undefined || samePins(fact.pinsUsed, this.pins)) && (!fact.beside || fact.ok);
  }

  /**
   * Asks for the entry's resolution. Its resolve step gets the pins of the layers before it; when
   * one of those is being resolved in this same round, it runs on that step's answer instead.
   */
  private askResolve(l: LayerPlan, py: PythonSplit): void {
    const inst = this.inst;
    const onWhole = this.barrier;
    // Beside the venv unless a command or copy came first, or an answer from there did not hold.
    const beside = this.preVenv && !onWhole && !this.facts.resolutions.get(l.index)?.beside ? this.preVenv : undefined;
    const on = beside ? { ...this.state, fs: beside.fs } : this.installBase();
    const chain = this.chain;
    const pins = pinsText(this.pins);
    const step = resolveStep(inst, py, l.at, chain ? { previous: chain.execId } : { pins });
    const argv = beside ? besideVenvArgv(beside.venv, step.argv) : step.argv;
    const what = inst.kind === "uv" ? "uv pip compile" : "pip install --dry-run";
    const exec = this.exec(on, this.step(l, `resolve: ${what} (optimize${beside ? ", beside the venv" : ""})`), l.at, argv, { mounts: step.mounts, ...(py.indexEnv ? { env: py.indexEnv } : {}), secrets: py.secrets });
    const basis = chain ? `after [${chain.key}]` : `${onWhole ? "whole" : beside ? "beside python-env" : "python-env"} ${pins.trim().split("\n").join(" ")}`;
    const probe = this.probe({ kind: "output", id: exec.id, dest: RESOLVE_OUT });
    this.asks.push({ kind: "resolve", layer: l.index, at: l.at, installer: inst.kind, probe, onWhole, beside: beside !== undefined, basis });
    this.chain = { execId: exec.id, key: `resolve ${l.index} ${basis}` };
  }

  private probe(result: Fs): Plan {
    const { layers: _layers, ...rest } = this.plan;
    return { ...rest, steps: [...this.steps], result, history: [], notes: [] };
  }

  /** A question: what the given package layers hold (one step, cached like any, so a rebuild asks once). */
  private inspectRequest(packages: PendingPackage[]): FactsRequest {
    const sitePackages = `${this.inst.venv}/lib/python${this.plan.installer!.python}/site-packages`;
    const ids = packages.map((p) => p.id);
    const exec = this.exec(this.pyBase!, `[python] optimize: read what ${packages.length} package layer(s) hold`, "base_image", inspectArgv(this.inst, ids, sitePackages), {
      // Each install step's summary of the layer where it wrote one, so no package layer is pulled.
      mounts: [TOOLS_MOUNT, { kind: "output", dest: RESOLVE_OUT }, ...packages.map((p, i): Mount => ({ kind: "fs", dest: inspectMountDir(i), ...(p.facts ? { fs: p.facts.fs, selector: p.facts.dir } : { fs: p.layer }) }))],
    });
    return { kind: "inspect", ids, probe: this.probe({ kind: "output", id: exec.id, dest: RESOLVE_OUT }), sitePackages };
  }

  private packageBudget(atEnd: boolean): number {
    const ours = this.history.filter((h) => !h.emptyLayer).length + this.appLayers.length;
    const toCome = atEnd ? 0 : layersOf(this.layers.slice(this.cursor));
    const b = layerBudget(this.budget.maxLayers, this.plan.base.config.rootfs?.diff_ids?.length ?? 0, ours + toCome);
    if (b.note) this.notes.push(b.note);
    return b.packages;
  }

  /**
   * Lays out the waiting package layers and merges them, then the app's layers, onto the state.
   * The steps made since the Python environment (apt, a workdir), when they are a plain chain on
   * it, go after the package layers, as their diff: the packages do not depend on them, and a
   * layer's position decides what a node unpacks again, so changing the apt list leaves the
   * package layers' chain as it was.
   */
  private finalize(atEnd = false): void {
    this.stopIfAsking();
    if (this.pending.length === 0 && this.appLayers.length === 0) return;
    const layers: Fs[] = [];
    const lower = this.tail && this.pending.length > 0 && this.state.fs !== this.pyBase!.fs ? this.pyBase!.fs : undefined;
    let moved: HistoryEntry[] = [];
    if (this.pending.length > 0) {
      const laid = layOutPackages(this.pending, this.facts.contents, this.packageBudget(atEnd), (k) => `o${this.steps.length + 1 + k}`);
      // All of them in one question, so the files they share are seen whoever else is asked about.
      if (!laid) throw new Needs([this.inspectRequest(this.pending)]);
      if (lower) moved = this.history.splice(this.tail!.from);
      this.steps.push(...laid.steps);
      layers.push(...laid.layers);
      for (const h of laid.history) this.record(h, false);
    }
    this.history.push(...moved);
    for (const a of this.appLayers) this.record(a.history, false);
    const stack = lower ? [lower, ...layers, { kind: "diff" as const, lower, upper: this.state.fs }] : [this.state.fs, ...layers];
    this.state = { ...this.state, fs: { kind: "merge", of: [...stack, ...this.appLayers.map((a) => a.fs)] } };
    this.pending = [];
    this.appLayers = [];
    this.tail = undefined;
  }
}
