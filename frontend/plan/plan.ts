/**
 * The build plan: what the image is made of, backend-neutral. `planImage` writes it from the
 * spec, `optimizePlan` rewrites its Python installs package by package, and `lower` turns it
 * into LLB. Nothing here knows LLB: filesystems are named by the step that makes them.
 */
import type { OciImage } from "./image-config.js";
import type { PythonPlan } from "./python.js";
import type { InstallerKind } from "../options/settings.js";
import type { Layer, Secret } from "../imagespec/model.js";

/** A path into the spec (`layers[2]`, `base_image`), for the step's source location and errors. */
export type SpecPath = string;

/** An environment in order of first setting; a later value for a key replaces it in place. */
export type Env = readonly (readonly [string, string])[];

/** A filesystem, by how it is made. */
export type Fs =
  | { kind: "base" }
  | { kind: "scratch" }
  /** What a step leaves: an exec's root, or a file step's result. */
  | { kind: "step"; id: string }
  /** What an exec left in one of its writable `output` mounts. */
  | { kind: "output"; id: string; dest: string }
  /** Layered in order: a later one wins a path both have. */
  | { kind: "merge"; of: Fs[] }
  /** What `upper` changed over `lower` (deletions included). */
  | { kind: "diff"; lower: Fs; upper: Fs; name?: string };

/** Files taken from the build context into an empty filesystem, one file op per entry of `ops`. */
export interface ContextTree {
  ops: { copies: { src: string; dest: string; contents?: boolean; follow?: boolean }[]; name?: string }[];
}

/** A mount of an exec step. */
export type Mount =
  | { kind: "cache"; dest: string; id: string; sharing: "shared" | "private" | "locked" }
  /** The build context (read-only): one path of it (`path`), or all of it. */
  | { kind: "context"; dest: string; path?: string }
  /** The uv image (read-only), for the uv installer. */
  | { kind: "uv"; dest: string }
  /** The frontend image's pip wheel (read-only), for pip resolve steps. */
  | { kind: "resolver-pip"; dest: string }
  /** Context files assembled for the step (a project, its lock). */
  | { kind: "tree"; dest: string; tree: ContextTree; readonly: boolean }
  /** Small text files the frontend writes (pins, requirement lists, its helper script). */
  | { kind: "files"; dest: string; files: Readonly<Record<string, string>>; name: string; mode?: number }
  /** An empty directory the step writes its answer into; its content is `{kind: "output"}`. */
  | { kind: "output"; dest: string }
  /** Another filesystem of the plan, read-only; only its directory `selector` when given. */
  | { kind: "fs"; dest: string; fs: Fs; selector?: string }
  | { kind: "secret"; dest: string; id: string; mode: number };

/** A secret given to a process as an environment variable. */
export interface SecretEnv {
  id: string;
  name: string;
}

interface StepBase {
  id: string;
  /** The step's name in the build output (`[2/5] pip install torch`). */
  name: string;
  /** Where in the spec it comes from. */
  at: SpecPath;
}

/** A process run on a filesystem. Its result is that filesystem as the process left it. */
export interface ExecStep extends StepBase {
  kind: "exec";
  on: Fs;
  /** The environment and working directory the process starts with (the image's so far). */
  env: Env;
  cwd: string;
  args: readonly string[];
  /** Variables only this step sees, over `env`. */
  extraEnv?: Readonly<Record<string, string>>;
  mounts: readonly Mount[];
  secretEnv?: readonly SecretEnv[];
}

/** A directory made (WORKDIR). */
export interface MkdirStep extends StepBase {
  kind: "mkdir";
  on: Fs;
  path: string;
  /** The time (seconds since 1970) the directories it makes get. */
  time: number;
}

/** Context paths copied onto a filesystem with Dockerfile COPY semantics; `dest` resolves against `cwd`. */
export interface CopyStep extends StepBase {
  kind: "copy";
  on: Fs;
  cwd: string;
  src: string;
  dest: string;
  /** The time (seconds since 1970) every copied file gets. */
  time: number;
  /** `user:group` of the copied files; root when absent. */
  owner?: { user: string | number; group: string | number };
}

/** What a package's install changed under the venv, alone, with fixed file times. */
export interface PackageLayerStep extends StepBase {
  kind: "package-layer";
  from: Fs;
  /** The venv's top directory (`opt` for /opt/venv): what the copy selects. */
  top: string;
  /** The distribution (`name==version`): its copy is an op of its own. */
  dist: string;
}

/** Several layers as one, merged in order, with fixed file times. */
export interface SquashStep extends StepBase {
  kind: "squash";
  of: Fs[];
}

export type Step = ExecStep | MkdirStep | CopyStep | PackageLayerStep | SquashStep;

/** An entry of the image's history. */
export interface HistoryEntry {
  createdBy: string;
  emptyLayer: boolean;
}

/** The installer and the Python environment the plan installs into. */
export interface PlanInstaller {
  kind: InstallerKind;
  venv: string;
  /** X.Y */
  python: string;
  /** Prefix of cache mount ids (`BUILDKIT_CACHE_MOUNT_NS`). */
  cacheNamespace: string;
  /** pip resolves with the frontend image's own pip (BuildSettings.resolverPip), which runs on this Python. */
  resolverPip?: true;
}

/** Extra mounts, env and secrets of an exec (a layer's secrets go after its mounts, their env under its env). */
export interface ExecExtras {
  mounts?: readonly Mount[];
  env?: Readonly<Record<string, string>>;
  secrets?: readonly Secret[];
}

/** What a Python install entry's resolve step needs to know. */
export interface ResolveRequest {
  /** Index options and extra args, for the installer at hand. */
  options: string[];
  /** What pip installs (`-r file`, package names, wheel paths), as argv. */
  targets: string[];
  /** For uv, which resolves from files: the requirements file, or the text of one. */
  uvInput: { file: string } | { text: string };
  /** The entry installs exactly what it names (locked pins). */
  noDeps: boolean;
}

/** A Python install entry, as optimize sees it. */
export interface PythonSplit {
  /** Why it cannot be laid out package by package; it is then installed as planned, in one step. */
  unsupported?: string;
  /** What its packages are resolved from; absent when it has none of its own (an empty lock). */
  resolve?: ResolveRequest;
  /** Context mounts its installs need (requirements files, wheel directories). */
  mounts: Mount[];
  /** Index options its requirements files carry, for each package's install. */
  fileOptions: string[];
  secrets: readonly Secret[];
  /** Index settings that do not come from the entry, as env of its install steps. */
  indexEnv?: Readonly<Record<string, string>>;
  /** The project's own install after its packages, on the whole filesystem (uv and poetry projects). */
  app?: { name: string; args: string[]; extras: ExecExtras };
}

/** The steps and history one spec entry (or the Python environment, index -1) added. */
export interface LayerPlan {
  index: number;
  at: SpecPath;
  kind: Layer["kind"] | "python-env";
  /** Its steps' ids, in order; each runs on the one before, the first on the filesystem so far. */
  steps: string[];
  history: HistoryEntry[];
  /** The env and working directory it started with. */
  env: Env;
  cwd: string;
  python?: PythonSplit;
}

/** A Python distribution optimize installed from a pin: what the SBOM tells about the file it came from. */
export interface PinnedDist {
  name: string;
  version: string;
  /** The wheel or sdist the resolve step chose, by its sha256 (and URL, credentials stripped); absent for a context wheel given by path. */
  file?: { filename: string; sha256: string; url?: string };
}

export interface Plan {
  base: { ref: string; config: OciImage; at: SpecPath };
  /** Every step, in the order they were planned (a step only uses earlier ones). */
  steps: Step[];
  /** The image's filesystem. */
  result: Fs;
  /** The image's env and working directory. */
  env: Env;
  cwd: string;
  history: HistoryEntry[];
  python?: PythonPlan;
  installer?: PlanInstaller;
  /** Lines for the build output (why a layer was not laid out package by package, budget notes). */
  notes: string[];
  /** Every context path the steps read (sorted): only these are transferred. */
  contextPaths: string[];
  /** What each spec entry added (optimize rewrites the plan from these); absent once optimized. */
  layers?: LayerPlan[];
  /** The distributions optimize installed one by one, in install order (absent when not optimized). */
  pinned?: PinnedDist[];
}

export const stepFs = (id: string): Fs => ({ kind: "step", id });
