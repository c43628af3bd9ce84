/** The test cluster's DATABASE_URL: from the e2e setup's exports, else from the environment. */
import { inject } from "vitest";

export function databaseUrl(): string {
  let url: string | undefined;
  try {
    url = inject("engineEnv")?.DATABASE_URL;
  } catch {
    url = undefined;
  }
  url ??= process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set: run `eval \"$(bash test/env/engine.sh db)\"` (or engine.sh up)");
  return url;
}
