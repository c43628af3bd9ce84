/**
 * What keeps the bytes of the layers the plan writes down to their inputs: the one epoch of the
 * build (`SOURCE_DATE_EPOCH`, else 0) as the time of every file a file op writes and in the env
 * of every process a step runs, and apt's logs left out of its layers. The times a process gives
 * the files it writes are clamped by the image exporter (`rewrite-timestamp`), which the client
 * asks for; see the README's "Reproducible images".
 */
import { epochOf } from "../options/source-date.js";
import type { PlanSettings } from "./planning.js";

/** Seconds since 1970 that the files the plan's file ops write (workdirs, copies) get. */
export function fileTime(settings: Pick<PlanSettings, "sourceDateEpoch">): number {
  return epochOf(settings.sourceDateEpoch);
}

/**
 * The env every process the plan runs gets: `SOURCE_DATE_EPOCH`, so that Python writes hash-based
 * `.pyc` files (no source time in them: the venv's seeded pip, installs, Debian's py3compile) and
 * the tools that honour it record the build's epoch instead of the clock.
 */
export function stepEnv(settings: Pick<PlanSettings, "sourceDateEpoch">): Record<string, string> {
  return { SOURCE_DATE_EPOCH: String(epochOf(settings.sourceDateEpoch)) };
}

/**
 * What an apt install writes that records when it ran rather than what it installed: dpkg's,
 * apt's and update-alternatives' logs, and ldconfig's cache of library times. They are removed
 * at the end of the step, so they never reach a layer. The package lists and apt's `.bin` caches
 * are in cache mounts (`/var/lib/apt/lists`, `/var/cache/apt`), never in a layer either.
 */
export const APT_VOLATILE_FILES: readonly string[] = [
  "/var/log/dpkg.log",
  "/var/log/alternatives.log",
  "/var/log/apt/history.log",
  "/var/log/apt/term.log",
  "/var/log/apt/eipp.log.xz",
  "/var/cache/ldconfig/aux-cache",
];

/** The apt step's script; its packages are its arguments (`"$@"`), never parsed by the shell. */
export const APT_SCRIPT = `apt-get update && apt-get install -y --no-install-recommends "$@" && rm -f ${APT_VOLATILE_FILES.join(" ")}`;
