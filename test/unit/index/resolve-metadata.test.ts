/**
 * The optimize resolve step against the test index served as PyPI serves it (PEP 658 metadata,
 * PEP 691 JSON) and served as a plain PEP 503 tree. The step's own argv runs with this machine's
 * Python and pip in a venv of the test's own; the index server's request log says what it fetched.
 *
 * backtrack-app 2.0.0 needs a tinyjson that does not exist, so the resolver reads its metadata,
 * rejects it and settles on 1.0.0: the rejected version's wheel is fetched only when the index
 * has no metadata to offer.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DRIVER_PY } from "../../../frontend/optimize/driver.js";
import { resolveArgv, RESOLVE_OUT, TOOLS_DIR } from "../../../frontend/optimize/install-steps.js";
import { parsePipReport } from "../../../frontend/optimize/resolution.js";
import { pipOptionArgs, type Installer } from "../../../frontend/plan/installer.js";
import { fetchedFiles, startIndexServer, writeTestIndexes, type IndexServer } from "../../support/index-server.js";

const OPTIMIZE_DIR = "/run/imagespec/optimize";

let work: string;
let venv: string;
const servers: Record<"metadata" | "plain", IndexServer> = {} as never;

/** This machine's environment without any pip configuration (its global config names a local mirror). */
function isolatedEnv(cacheDir: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PIP_")));
  return { ...env, PIP_CONFIG_FILE: "/dev/null", PIP_CACHE_DIR: cacheDir };
}

/** Runs the resolve step's argv here: its fixed paths moved under `root`, the venv ours. */
function runResolveStep(indexUrl: string, root: string) {
  const inst: Installer = { kind: "pip", venv, settings: { cacheNamespace: "" } };
  const options = pipOptionArgs("pip", { indexUrl, extraIndexUrls: [], pre: false, extraArgs: "" });
  const argv = resolveArgv(inst, { options, targets: ["backtrack-app"], uvInput: { text: "backtrack-app\n" }, noDeps: false }, "none").map((a) =>
    a.startsWith(OPTIMIZE_DIR) ? root + a.slice(OPTIMIZE_DIR.length) : a,
  );
  const out = root + RESOLVE_OUT.slice(OPTIMIZE_DIR.length);
  const tools = root + TOOLS_DIR.slice(OPTIMIZE_DIR.length);
  mkdirSync(out, { recursive: true });
  mkdirSync(tools, { recursive: true });
  writeFileSync(join(tools, "driver.py"), DRIVER_PY);
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", env: isolatedEnv(join(root, "pip-cache")) });
  const status = JSON.parse(readFileSync(join(out, "status.json"), "utf8")) as { exit: number; stderr: string };
  expect(r.status, r.stderr).toBe(0);
  expect(status.exit, status.stderr).toBe(0);
  return parsePipReport(readFileSync(join(out, "report.json"), "utf8"), "/context");
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "imagespec-resolve-metadata-"));
  writeTestIndexes(join(work, "indexes"));
  venv = join(work, "venv");
  // This machine's pip, seen through the system site-packages: no copy, no download.
  const v = spawnSync("python3", ["-m", "venv", "--without-pip", "--system-site-packages", venv], { encoding: "utf8" });
  if (v.status !== 0) throw new Error(`python3 -m venv failed: ${v.stderr}`);
  servers.metadata = await startIndexServer(join(work, "indexes/main"), join(work, "metadata.log"), { metadata: true });
  servers.plain = await startIndexServer(join(work, "indexes/main"), join(work, "plain.log"), { metadata: false });
}, 60_000);

afterAll(() => {
  for (const s of Object.values(servers)) s?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the resolve step against an index with PEP 658 metadata", () => {
  it("reads the rejected candidate's metadata file and fetches no wheel it does not install", () => {
    const dists = runResolveStep(`${servers.metadata.url}/simple`, join(work, "with-metadata"));
    expect(dists.map((d) => `${d.key}==${d.version}`).sort()).toEqual(["backtrack-app==1.0.0", "tinyjson==1.1.0"]);
    // The report still carries each pinned wheel's hash, which the install steps pin to.
    for (const d of dists) expect(d.source.kind === "wheel" && d.source.sha256.length).toBe(1);

    const requests = servers.metadata.requests();
    expect(fetchedFiles(requests, ".metadata")).toContain("backtrack_app-2.0.0-py3-none-any.whl.metadata");
    const installed = new Set(dists.map((d) => (d.source.kind === "wheel" ? d.source.filename : "")));
    const fetchedWheels = fetchedFiles(requests, ".whl");
    expect(fetchedWheels).not.toContain("backtrack_app-2.0.0-py3-none-any.whl");
    for (const w of fetchedWheels) expect(installed).toContain(w);
  });
});

describe("the resolve step against a plain PEP 503 index (no metadata)", () => {
  it("downloads the rejected candidate's whole wheel to read its metadata", () => {
    const dists = runResolveStep(`${servers.plain.url}/simple`, join(work, "plain"));
    expect(dists.map((d) => `${d.key}==${d.version}`).sort()).toEqual(["backtrack-app==1.0.0", "tinyjson==1.1.0"]);
    const requests = servers.plain.requests();
    expect(fetchedFiles(requests, ".whl")).toContain("backtrack_app-2.0.0-py3-none-any.whl");
    expect(fetchedFiles(requests, ".metadata")).toEqual([]);
  });
});
