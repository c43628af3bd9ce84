/** The typed ImageSpec the compiler consumes, built from a decoded tree. */
import { INVALID, type Decoded } from "./decode.js";

export type MountRequirement = "ANY" | "ENV_VAR" | "FILE";

export interface Secret {
  group: string;
  groupVersion: string;
  key: string;
  mount: MountRequirement;
  envVar: string;
  /** Path of this secret in the spec, for error locations. */
  at: string;
}

export interface PipOptions {
  indexUrl: string;
  extraIndexUrls: string[];
  pre: boolean;
  extraArgs: string;
}

interface LayerBase {
  /** Path of the layer in the spec (`layers[3]`), for names and error locations. */
  at: string;
  /** Position in the layer list. */
  index: number;
}

export type Layer = LayerBase &
  (
    | { kind: "apt_packages"; packages: string[]; secrets: Secret[] }
    | { kind: "pip_packages"; packages: string[]; options: PipOptions; secrets: Secret[] }
    | { kind: "requirements"; file: string; options: PipOptions; secrets: Secret[] }
    | { kind: "python_wheels"; dir: string; packageName: string; options: PipOptions; secrets: Secret[] }
    | { kind: "uv_project"; pyproject: string; uvlock: string; sourceDir: string; options: PipOptions; secrets: Secret[] }
    | { kind: "poetry_project"; pyproject: string; poetryLock: string; extraArgs: string; secrets: Secret[] }
    | { kind: "commands"; cmd: string[]; secrets: Secret[] }
    | { kind: "workdir"; workdir: string }
    | { kind: "copy_config"; src: string; dst: string }
    | { kind: "env"; vars: [string, string][] }
  );

export interface ImageSpec {
  baseImage: string;
  pythonVersion: string;
  layers: Layer[];
  platforms: string[];
}

const s = (d: Decoded | undefined, f: string): string => (typeof d?.[f] === "string" ? (d[f] as string) : "");
const list = (d: Decoded | undefined, f: string): string[] => (Array.isArray(d?.[f]) ? (d![f] as string[]) : []);
const msg = (d: Decoded | undefined, f: string): Decoded | undefined => d?.[f] as Decoded | undefined;
const msgs = (d: Decoded | undefined, f: string): Decoded[] => (Array.isArray(d?.[f]) ? (d![f] as Decoded[]) : []);

function pipOptions(d: Decoded | undefined): PipOptions {
  return { indexUrl: s(d, "index_url"), extraIndexUrls: list(d, "extra_index_urls"), pre: d?.pre === true, extraArgs: s(d, "extra_args") };
}

const NO_SECRETS: readonly Secret[] = Object.freeze([]);

function secrets(d: Decoded | undefined, at: string): Secret[] {
  if (d?.secret_mounts === undefined) return NO_SECRETS as Secret[];
  return msgs(d, "secret_mounts").flatMap((x, i) => (x[INVALID] ? [] : [{
    group: s(x, "group"),
    groupVersion: s(x, "group_version"),
    key: s(x, "key"),
    mount: (s(x, "mount_requirement") || "ANY") as MountRequirement,
    envVar: s(x, "env_var"),
    at: `${at}.secret_mounts[${i}]`,
  }]));
}

function layer(d: Decoded, index: number): Layer | undefined {
  const kinds = Object.keys(d);
  if (kinds.length !== 1 || d[INVALID]) return undefined;
  const kind = kinds[0]!;
  const body = msg(d, kind);
  const where = `layers[${index}]`;
  const at = `${where}.${kind}`;
  switch (kind) {
    case "apt_packages":
      return { index, at: where, kind, packages: list(body, "packages"), secrets: secrets(body, at) };
    case "pip_packages":
      return { index, at: where, kind, packages: list(body, "packages"), options: pipOptions(msg(body, "options")), secrets: secrets(body, at) };
    case "requirements":
      return { index, at: where, kind, file: s(body, "file"), options: pipOptions(msg(body, "options")), secrets: secrets(body, at) };
    case "python_wheels":
      return { index, at: where, kind, dir: s(body, "dir"), packageName: s(body, "package_name"), options: pipOptions(msg(body, "options")), secrets: secrets(body, at) };
    case "uv_project":
      return {
        index,
        at: where,
        kind,
        pyproject: s(body, "pyproject"),
        uvlock: s(body, "uvlock"),
        sourceDir: s(body, "source_dir"),
        options: pipOptions(msg(body, "options")),
        secrets: secrets(body, at),
      };
    case "poetry_project":
      return { index, at: where, kind, pyproject: s(body, "pyproject"), poetryLock: s(body, "poetry_lock"), extraArgs: s(body, "extra_args"), secrets: secrets(body, at) };
    case "commands":
      return { index, at: where, kind, cmd: list(body, "cmd"), secrets: secrets(body, at) };
    case "workdir":
      return { index, at: where, kind, workdir: s(body, "workdir") };
    case "copy_config":
      return { index, at: where, kind, src: s(body, "src"), dst: s(body, "dst") };
    case "env":
      return { index, at: where, kind, vars: (body?.env_variables as [string, string][] | undefined) ?? [] };
    default:
      return undefined;
  }
}

/** Builds the typed spec from a structurally valid decoded tree. */
export function toImageSpec(d: Decoded): ImageSpec {
  const layers = msgs(d, "layers")
    .map((l, i) => layer(l, i))
    .filter((l): l is Layer => l !== undefined);
  return { baseImage: s(d, "base_image"), pythonVersion: s(d, "python_version"), layers, platforms: list(d, "platform") };
}
