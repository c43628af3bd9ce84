/** What every entry's planner shares: the builder, the spec's facts, the installer and its env. */
import type { PipOptions } from "../imagespec/model.js";
import type { BuildSettings } from "../options/settings.js";
import type { PlanBuilder } from "./builder.js";
import type { ContextFacts } from "./context.js";
import { defaultExtraIndexUrls, type IndexSettings } from "./index-settings.js";
import { pipOptionArgs, type Installer } from "./installer.js";

export type PlanSettings = Pick<BuildSettings, "installer" | "indexDefaults" | "cacheNamespace" | "imageId" | "labels" | "sourceDateEpoch" | "resolverPip">;

export interface Planning {
  b: PlanBuilder;
  facts: ContextFacts;
  settings: PlanSettings;
  /** Set when the image has a Python environment. */
  installer?: Installer;
  /** The base image's pip settings, which uv does not read itself. */
  basePip?: IndexSettings;
  /** Index settings that do not come from an entry, as env of every step that installs packages. */
  indexEnv?: Readonly<Record<string, string>>;
  /**
   * The same for `uv sync`, less the indexes: a uv project's indexes are its own (uv would rank
   * env above its pyproject.toml, and refuses a lock made against an index it is not given).
   */
  syncEnv?: Readonly<Record<string, string>>;
  /** `user:group` the copied files get (the base image's user); root when absent. */
  owner?: { user: string | number; group: string | number };
}

/** An entry's index options as installer arguments (under uv, operator extra indexes add up after the entry's). */
export function optionArgs(p: Planning, o: PipOptions): string[] {
  const kind = p.installer!.kind;
  const args = pipOptionArgs(kind, o);
  if (kind === "uv" && o.extraIndexUrls.length > 0) {
    for (const u of defaultExtraIndexUrls(p.settings.indexDefaults, p.basePip)) args.push("--extra-index-url", u);
  }
  return args;
}
