/** `--cache-from` / `--cache-to` CSV, as buildctl's --import-cache / --export-cache. */
import type { CacheEntry } from "../src/index.js";
import { UsageError } from "./args.js";
import { parseCsvPairs } from "./csv.js";

export function parseCacheFlag(text: string, flag: string): CacheEntry {
  let pairs: [string, string][];
  try {
    pairs = parseCsvPairs(text, flag);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const type = pairs.find(([k]) => k === "type")?.[1];
  if (!type) throw new UsageError(`${flag} ${text}: type= is required (e.g. type=registry,ref=REPO:cache)`);
  return { type, attrs: Object.fromEntries(pairs.filter(([k]) => k !== "type")) };
}
