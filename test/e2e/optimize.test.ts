/**
 * optimize (the default): package-granular Python layers, built and pushed through the real
 * engine, compared with the image laid out one layer per spec entry.
 */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { baseImage, buildx, engineEnv, expectBuilt, indexUrl, makeContext, registry, runIn } from "./harness.js";
import { fetchedFiles } from "../support/index-server.js";
import { parseStatusStream } from "../../bench/status-stream.js";

const INDEX = () => ({ index_url: indexUrl() });

function specYaml(layers: string): string {
  return `base_image: ${baseImage()}\npython_version: "3.11"\nlayers:\n${layers}`;
}

function pip(packages: string[]): string {
  return `  - pip_packages:\n      packages: [${packages.join(", ")}]\n      options: {index_url: "${INDEX().index_url}"}\n`;
}

let n = 0;
/** Builds and pushes; returns the pushed reference and the build log. */
async function push(spec: string, name: string, args: Record<string, string> = {}, extra: string[] = []): Promise<{ ref: string; log: string }> {
  const ctx = makeContext({ "spec.yaml": spec });
  const ref = `${registry()}/imagespec-e2e/optimize-${name}:${process.pid}-${++n}`;
  const r = await buildx(ctx, { file: "spec.yaml", tag: ref, push: true, buildArgs: { installer: "pip", ...args }, extra, timeoutMs: 600_000 });
  expectBuilt(r);
  return { ref, log: r.stderr };
}

interface Pushed {
  layers: string[];
  /** The created_by of each layer (history entries that made one), in layer order. */
  steps: string[];
}

async function pushed(ref: string): Promise<Pushed> {
  const [repo, tagName] = [ref.slice(registry().length + 1, ref.lastIndexOf(":")), ref.slice(ref.lastIndexOf(":") + 1)];
  const accept = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
  const manifest = (await (await fetch(`http://${registry()}/v2/${repo}/manifests/${tagName}`, { headers: { Accept: accept } })).json()) as { config: { digest: string }; layers: { digest: string }[] };
  const config = (await (await fetch(`http://${registry()}/v2/${repo}/blobs/${manifest.config.digest}`)).json()) as { history: { created_by?: string; empty_layer?: boolean }[] };
  const steps = config.history.filter((h) => !h.empty_layer).map((h) => h.created_by ?? "");
  expect(steps.length).toBe(manifest.layers.length);
  return { layers: manifest.layers.map((l) => l.digest), steps };
}

/** The digest of the layer whose step installed `pin` (e.g. "acme-cli==1.0.0"), alone or with other small wheels ("a==1, b==2 (…"). */
function layerOf(p: Pushed, pin: string): string {
  const i = p.steps.findIndex((s) => / install /.test(s) && (s.includes(` ${pin} (`) || s.includes(` ${pin}, `) || s.endsWith(` ${pin}`)));
  expect(i, `no layer installs ${pin}: ${p.steps.join(" | ")}`).toBeGreaterThanOrEqual(0);
  return p.layers[i]!;
}

/**
 * The environment as a test can compare it: distributions and versions, every venv file with
 * its content hash (a .pyc only by name: its invalidation mode may differ), RECORD rows sorted.
 */
const DUMP = `python - <<'PY'
import hashlib, importlib.metadata as md, json, os
venv = os.environ["VIRTUAL_ENV"]
files = {}
for root, dirs, names in os.walk(venv):
    for name in names:
        p = os.path.join(root, name)
        rel = os.path.relpath(p, venv)
        if os.path.islink(p):
            files[rel] = "-> " + os.readlink(p)
        elif name.endswith(".pyc"):
            files[rel] = "pyc"
        elif name == "RECORD":
            files[rel] = sorted(open(p).read().splitlines())
        else:
            files[rel] = hashlib.sha256(open(p, "rb").read()).hexdigest()
dists = sorted((d.metadata["Name"], d.version) for d in md.distributions())
print(json.dumps({"dists": dists, "files": files}, sort_keys=True))
PY`;

describe("optimize: package-granular layers (installer=pip)", () => {
  it("builds the same environment as one layer per spec entry: namespace packages, shared files, an sdist, console scripts, a wheel with compiled code", async () => {
    const spec = specYaml(pip(["acme-cli", "ns-alpha", "ns-beta", "collide-b", "built-from-sdist", "native-calc"]));
    const on = await push(spec, "equal-on");
    const off = await push(spec, "equal-off", { optimize: "false" });
    const [a, b] = await Promise.all([runIn(on.ref, DUMP, { pull: true }), runIn(off.ref, DUMP, { pull: true })]);
    const dumpOn = JSON.parse(a) as { dists: [string, string][] };
    expect(dumpOn).toEqual(JSON.parse(b));
    expect(dumpOn.dists.map(([name]) => name)).toEqual(expect.arrayContaining(["acme-cli", "tinyjson", "ns-alpha", "ns-beta", "collide-a", "collide-b", "built-from-sdist", "native-calc"]));
    const check = 'acme-cli; native-calc; python -c "import acmens.alpha, acmens.beta, built_from_sdist; print(acmens.alpha.NAME, acmens.beta.NAME, built_from_sdist.BUILT)"; cat "$VIRTUAL_ENV"/lib/python3.11/site-packages/collide_shared/data.txt';
    expect(await runIn(on.ref, check)).toBe("acme-cli 1.0.0\nnative-calc 1.0.0\nalpha beta True\nfrom collide-b\n");
    // Laid out per package: more layers than spec entries, each package step named after its pin.
    const layout = await pushed(on.ref);
    expect((await pushed(off.ref)).layers.length).toBeLessThan(layout.layers.length);
    for (const pin of ["acme-cli==1.0.0", "tinyjson==1.1.0", "ns-alpha==1.0.0", "built-from-sdist==1.0.0", "native-calc==1.0.0"]) layerOf(layout, pin);
    expect(on.log).toMatch(/pip install [^\n]*acme-cli==1\.0\.0[^\n]* \((package \d+|\d+ packages) of \d+/);
    // The wheel with compiled code (a small one, so light) needs only what acme-cli brings: a step of its own.
    expect(on.log).toMatch(/pip install native-calc==1\.0\.0 \(package \d+ of \d+\)/);
  });

  it("a later layer that changes a version an earlier one installed leaves only the later version", async () => {
    const { ref, log } = await push(specYaml(pip(["tinyjson==1.0.0", "ns-alpha"]) + pip(["tinyjson==1.1.0"])), "upgrade");
    expect(log).toContain("one step: resolving it against what is installed failed");
    const out = await runIn(ref, 'python -c "import tinyjson; print(tinyjson.__version__)"; ls "$VIRTUAL_ENV"/lib/python3.11/site-packages | grep -i "^tinyjson-"');
    expect(out).toBe("1.1.0\ntinyjson-1.1.0.dist-info\n");
  });

  it("adding a package leaves every other package layer's digest as it was; another spec shares a common package's layer", async () => {
    const first = await pushed((await push(specYaml(pip(["acme-cli", "ns-alpha", "bench-pkg-02"])), "add-before")).ref);
    const added = await push(specYaml(pip(["acme-cli", "ns-alpha", "bench-pkg-02", "bench-pkg-03"])), "add-after");
    const second = await pushed(added.ref);
    for (const pin of ["acme-cli==1.0.0", "tinyjson==1.1.0", "ns-alpha==1.0.0", "bench-pkg-02==1.0.0"]) {
      expect(layerOf(second, pin), pin).toBe(layerOf(first, pin));
    }
    layerOf(second, "bench-pkg-03==1.0.0");
    expect(added.log).toMatch(/#(\d+) \[[^\n]*pip install [^\n]*acme-cli==1\.0\.0[^\n]*\n#\1 CACHED/);
    // A different spec (another package set, an env entry) that also installs acme-cli.
    const other = await pushed((await push(specYaml(pip(["acme-cli", "bench-pkg-05"]) + "  - env:\n      env_variables: {MODE: other}\n"), "share")).ref);
    expect(layerOf(other, "acme-cli==1.0.0")).toBe(layerOf(first, "acme-cli==1.0.0"));
  });

  it("changing the apt list leaves the wheel-only Python layers' digests unchanged", async () => {
    const apt = (pkgs: string) => `  - apt_packages:\n      packages: [${pkgs}]\n`;
    // Built for real (--no-cache), with BuildKit's status stream: the apt step is solved beside
    // optimize's first round (the warm-up), so it starts before any install step is done, not
    // after them in the final solve. (Plain progress shows one step at a time, not in time order.)
    const first = await push(specYaml(apt("jq") + pip(["acme-cli", "ns-beta"])), "apt-before", {}, ["--no-cache", "--progress=rawjson"]);
    const vertexes = parseStatusStream(first.log);
    const aptStep = vertexes.find((v) => v.name.includes("apt-get install jq") && v.runs.length > 0)!;
    const installsDone = vertexes.filter((v) => /pip install [^\n]*\((package \d+|\d+ packages) of/.test(v.name)).flatMap((v) => v.runs.map((r) => r.completed ?? Infinity));
    expect(aptStep, vertexes.map((v) => v.name).join(" | ")).toBeDefined();
    expect(installsDone.length).toBeGreaterThan(0);
    expect(aptStep.cached).toBe(false);
    expect(Math.min(...aptStep.runs.map((r) => r.started))).toBeLessThan(Math.min(...installsDone));
    const before = await pushed(first.ref);
    const after = await pushed((await push(specYaml(apt("jq, less") + pip(["acme-cli", "ns-beta"])), "apt-after")).ref);
    for (const pin of ["acme-cli==1.0.0", "tinyjson==1.1.0", "ns-beta==1.0.0"]) expect(layerOf(after, pin), pin).toBe(layerOf(before, pin));
    const aptAt = (p: Pushed) => p.steps.findIndex((s) => s.includes("apt-get install"));
    expect(after.layers[aptAt(after)]).not.toBe(before.layers[aptAt(before)]);
    // The apt layer comes after the package layers, so every layer below it, the packages' whole
    // chain, is as it was: a node that has the first image unpacks only the apt layer again.
    expect(aptAt(after)).toBeGreaterThan(after.steps.findIndex((s) => s.includes("pip install")));
    expect(after.layers.slice(0, aptAt(after))).toEqual(before.layers.slice(0, aptAt(before)));
  });

  it("resolves with the frontend image's recent pip: a rejected candidate's metadata is read, never its wheel; the image keeps the venv's pip", async () => {
    // backtrack-app 2.0.0 needs a tinyjson that does not exist. The base image's pip (23.0.1)
    // would download its wheel to find that out; the frontend's pip reads its .metadata file.
    // --no-cache and --no-cache-dir: the steps run, and ask the index rather than pip's cache mount.
    const log = join(engineEnv().IMAGESPEC_ENV_DIR!, "index.log");
    const before = readFileSync(log, "utf8").length;
    const entry = `  - pip_packages:\n      packages: [backtrack-app]\n      options: {index_url: "${indexUrl()}", extra_args: "--no-cache-dir"}\n`;
    const { ref } = await push(specYaml(entry), "own-pip", {}, ["--no-cache"]);
    const requests = readFileSync(log, "utf8").slice(before).split("\n");
    expect(fetchedFiles(requests, ".metadata")).toContain("backtrack_app-2.0.0-py3-none-any.whl.metadata");
    expect(fetchedFiles(requests, ".whl")).not.toContain("backtrack_app-2.0.0-py3-none-any.whl");
    expect(fetchedFiles(requests, ".whl")).toContain("backtrack_app-1.0.0-py3-none-any.whl");
    const versions = await runIn(ref, `python -c "import importlib.metadata as m; print(m.version('backtrack-app'), m.version('pip'))"`, { pull: true });
    expect(versions).toBe("1.0.0 23.0.1\n");
  });

  it("gives 150 small distributions one layer, and keeps them within the layer budget where their sizes are not known", async () => {
    const count = `python -c "import importlib.metadata as m; print(sum(1 for d in m.distributions() if d.metadata['Name'].startswith('many-')))"`;
    const { ref } = await push(specYaml(pip(["many-all"])), "wide");
    const shared = await pushed(ref);
    expect(shared.steps.filter((s) => / install many-/.test(s))).toEqual([expect.stringMatching(/pip install many-pkg-000==1\.0\.0, .* and 147 more/)]);
    expect(await runIn(ref, count)).toBe("150\n");
    // Below /no-head/ the index answers no HEAD request: no wheel's size is known, each has a layer, as many as the budget allows.
    const blind = specYaml(`  - pip_packages:\n      packages: [many-all]\n      options: {index_url: "${indexUrl().replace("/simple", "/no-head/simple")}"}\n`);
    const budget = await push(blind, "budget");
    const layout = await pushed(budget.ref);
    expect(layout.layers.length).toBeLessThanOrEqual(64);
    expect(layout.layers.length).toBeGreaterThan(10);
    expect(layout.steps.some((s) => /package layer \d+ of \d+: .* and \d+ more/.test(s))).toBe(true);
    expect(await runIn(budget.ref, count)).toBe("150\n");
    const small = await pushed((await push(blind, "budget-20", { "optimize-max-layers": "20" })).ref);
    expect(small.layers.length).toBe(20);
  });
});
