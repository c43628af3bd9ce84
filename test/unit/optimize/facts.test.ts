import { describe, expect, it } from "vitest";
import { splitInstallerArgs } from "../../../frontend/optimize/installer-args.js";
import { requirementFileOptions } from "../../../frontend/plan/requirement-options.js";
import { failureReason, parsePipReport, parsePylock, withWheelSizes } from "../../../frontend/optimize/resolution.js";

const CTX = "/run/imagespec/context";
const sha = (c: string) => c.repeat(64);

function item(name: string, version: string, info: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { metadata: { name, version, requires_dist: extra.requires ?? [] }, is_direct: extra.direct ?? false, requested: extra.requested ?? false, download_info: info };
}

describe("pip installation report", () => {
  const report = (install: unknown[]) => JSON.stringify({ version: "1", pip_version: "23.0.1", install, environment: {} });

  it("reads wheels, sdists and their hashes, what was requested and what each needs", () => {
    const dists = parsePipReport(
      report([
        item("Torch", "2.13.0+cpu", { url: "http://i/packages/torch-2.13.0%2Bcpu-cp311-cp311-linux_x86_64.whl", archive_info: { hashes: { sha256: sha("a") } } }, { requested: true, requires: ["filelock", "typing-extensions>=4.8.0", "sympy ; python_version >= '3.9'"] }),
        item("built", "1.0", { url: "http://i/packages/built-1.0.tar.gz", archive_info: { hash: `sha256=${sha("b")}` } }),
        item("local", "0.1", { url: `file://${CTX}/wheels/local-0.1-py3-none-any.whl`, archive_info: {} }),
      ]),
      CTX,
    );
    expect(dists[0]).toEqual({
      name: "Torch",
      key: "torch",
      version: "2.13.0+cpu",
      requested: true,
      source: { kind: "wheel", filename: "torch-2.13.0+cpu-cp311-cp311-linux_x86_64.whl", sha256: [sha("a")], fromContext: false, url: "http://i/packages/torch-2.13.0%2Bcpu-cp311-cp311-linux_x86_64.whl" },
      requires: ["filelock", "typing-extensions", "sympy"],
    });
    expect(dists[1]!.source).toEqual({ kind: "sdist", filename: "built-1.0.tar.gz", sha256: [sha("b")], fromContext: false, url: "http://i/packages/built-1.0.tar.gz" });
    expect(dists[2]!.source).toMatchObject({ kind: "wheel", fromContext: true, sha256: [] });
    // A file of the build context has no index URL to tell.
    expect(dists[2]!.source).not.toHaveProperty("url");
  });

  it("counts a requirement an extra brings in only when that extra was asked for", () => {
    const scipy = item("scipy", "1.17.1", { url: "http://i/packages/scipy-1.17.1-cp311-cp311-linux_x86_64.whl", archive_info: {} }, { requires: ["numpy<2.7,>=1.26.4", 'mpmath ; extra == "test"', "threadpoolctl; extra=='test' or extra == 'dev'", 'pooch ; python_version >= "3.9" and extra == "doc"', 'click; sys_platform == "linux"'] });
    expect(parsePipReport(report([scipy]), CTX)[0]!.requires).toEqual(["numpy", "click"]);
    expect(parsePipReport(report([{ ...scipy, requested_extras: ["Doc"] }]), CTX)[0]!.requires).toEqual(["numpy", "pooch", "click"]);
  });

  it("keeps where a file came from without the index's credentials, query or fragment", () => {
    const [d] = parsePipReport(report([item("a", "1", { url: `https://user:tok@i.example/p/a-1-py3-none-any.whl?sig=x#sha256=${sha("c")}`, archive_info: { hashes: { sha256: sha("c") } } })]), CTX);
    expect(d!.source).toMatchObject({ url: "https://i.example/p/a-1-py3-none-any.whl" });
    const [p] = parsePylock(`lock-version = "1.0"\ncreated-by = "uv"\n[[packages]]\nname = "a"\nversion = "1"\nwheels = [{ url = "https://u:p@i.example/a-1-py3-none-any.whl", hashes = { sha256 = "${sha("d")}" } }]\n`, CTX, new Set());
    expect(p!.source).toMatchObject({ kind: "wheel", url: "https://i.example/a-1-py3-none-any.whl" });
  });

  it("takes a wheel's size from the lock, else from the resolve step's sizes.json, and leaves it unknown otherwise", () => {
    const lock = `lock-version = "1.0"\ncreated-by = "uv"\n[[packages]]\nname = "a"\nversion = "1"\nwheels = [{ url = "https://i.example/a-1-py3-none-any.whl", size = 2048, hashes = { sha256 = "${sha("d")}" } }]\n[[packages]]\nname = "b"\nversion = "1"\nwheels = [{ url = "https://i.example/b-1-py3-none-any.whl", size = -1 }]\n`;
    const locked = parsePylock(lock, CTX, new Set());
    expect(locked.map((d) => (d.source as { size?: number }).size)).toEqual([2048, undefined]);
    const reported = parsePipReport(report([item("c", "1", { url: "https://i.example/c-1-py3-none-any.whl", archive_info: {} }), item("d", "1", { url: "https://i.example/d-1.tar.gz", archive_info: {} })]), CTX);
    const sized = withWheelSizes([...locked, ...reported], { "a-1-py3-none-any.whl": 1, "b-1-py3-none-any.whl": 3000, "c-1-py3-none-any.whl": 512, "d-1.tar.gz": 9 });
    expect(sized.map((d) => (d.source as { size?: number }).size)).toEqual([2048, 3000, 512, undefined]);
    expect(withWheelSizes(reported, { "c-1-py3-none-any.whl": "512" })[0]!.source).not.toHaveProperty("size");
    expect(withWheelSizes(reported, null)).toEqual(reported);
  });

  it("says why editable, local-directory, VCS and remote direct installs cannot stand alone; a context wheel named by path can", () => {
    const dists = parsePipReport(
      report([
        item("e", "1", { url: "file:///src/e", dir_info: { editable: true } }, { direct: true }),
        item("d", "1", { url: "file:///src/d", dir_info: {} }, { direct: true }),
        item("v", "1", { url: "https://git.example/v.git", vcs_info: { vcs: "git", commit_id: "abc" } }, { direct: true }),
        item("u", "1", { url: "https://example.com/u-1-py3-none-any.whl", archive_info: {} }, { direct: true }),
        item("w", "1", { url: `file://${CTX}/dist/w-1-py3-none-any.whl`, archive_info: {} }, { direct: true }),
      ]),
      CTX,
    );
    expect(dists.map((d) => (d.source.kind === "unsupported" ? d.source.why.split(" (")[0] : d.source.kind))).toEqual([
      "an editable install",
      "a local directory",
      "a VCS requirement",
      "a direct URL or path",
      "context-wheel",
    ]);
    expect(dists[4]!.source).toEqual({ kind: "context-wheel", path: `${CTX}/dist/w-1-py3-none-any.whl` });
  });

  it("refuses a report of another version, or an item without name and version", () => {
    expect(() => parsePipReport(JSON.stringify({ version: "2", install: [] }), CTX)).toThrow(/version "2" is not supported/);
    expect(() => parsePipReport(report([{ metadata: { name: "x" } }]), CTX)).toThrow(/no metadata name or version/);
  });

  it("keeps the installer's error line as the reason a resolve failed", () => {
    const stderr = "Collecting x\nERROR: Cannot install tinyjson==1.1.0 because these package versions have conflicting dependencies.\n\nThe conflict is caused by:\n    The user requested tinyjson==1.1.0\n";
    expect(failureReason({ exit: 1, stderr })).toBe("ERROR: Cannot install tinyjson==1.1.0 because these package versions have conflicting dependencies.");
    expect(failureReason({ exit: 2, stderr: "" })).toBe("exit status 2");
  });
});

describe("pylock.toml from uv pip compile", () => {
  it("reads packages, all their hashes, and the sources that cannot stand alone", () => {
    const text = `lock-version = "1.0"
created-by = "uv"
[[packages]]
name = "numpy"
version = "2.4.6"
wheels = [{ url = "https://i/numpy-2.4.6-cp311-cp311-manylinux_2_28_x86_64.whl", size = 16000000, hashes = { sha256 = "${sha("c")}" } }]
[[packages]]
name = "pandas"
version = "3.0.6"
sdist = { url = "https://i/pandas-3.0.6.tar.gz", hashes = { sha256 = "${sha("d")}" } }
wheels = [{ url = "https://i/pandas-3.0.6-cp311-cp311-manylinux_2_28_x86_64.whl", hashes = { sha256 = "${sha("e")}" } }]
dependencies = [{ name = "numpy" }]
[[packages]]
name = "mine"
version = "0.1.0"
directory = { path = "./mine", editable = true }
`;
    const dists = parsePylock(text, CTX, new Set(["pandas"]));
    expect(dists.map((d) => [d.key, d.version, d.requested, d.source.kind])).toEqual([
      ["numpy", "2.4.6", false, "wheel"],
      ["pandas", "3.0.6", true, "wheel"],
      ["mine", "0.1.0", false, "unsupported"],
    ]);
    expect(dists[1]!.source).toMatchObject({ sha256: [sha("e"), sha("d")] });
    expect(dists[1]!.requires).toEqual(["numpy"]);
    expect(() => parsePylock('lock-version = "2.0"\ncreated-by = "x"\n', CTX, new Set())).toThrow(/lock-version/);
  });
});

describe("installer options under optimize", () => {
  it("passes index options on to each package's install and keeps resolver-only ones for the resolve step", () => {
    const split = splitInstallerArgs(["--index-url", "https://i/simple", "--extra-index-url=https://x/simple", "--pre", "-c", "c.txt", "--no-deps", "-q", "--only-binary", ":all:"], false);
    expect(split).toEqual({ perPackage: ["--index-url", "https://i/simple", "--extra-index-url", "https://x/simple", "--pre", "--only-binary", ":all:"] });
  });

  it("names the option it cannot honour package by package", () => {
    expect(splitInstallerArgs(["-e", "./src"], false).unsupported).toBe("the option -e cannot be honoured package by package");
    expect(splitInstallerArgs(["--target", "/x"], false).unsupported).toMatch(/--target/);
    expect(splitInstallerArgs(["--force-reinstall"], false).unsupported).toMatch(/--force-reinstall/);
    expect(splitInstallerArgs(["--index-url"], false).unsupported).toBe("--index-url has no value");
    expect(splitInstallerArgs(["-U"], false).unsupported).toBeUndefined();
    expect(splitInstallerArgs(["-U"], true).unsupported).toBe("-U could change packages an earlier layer installed");
  });

  it("reads the index options a requirements file carries, a relative find-links against the file's directory", () => {
    const text = "--index-url https://i/simple\n-f ./wheels  # local\n--find-links=https://x/links\n--no-index\nrequests==2.32.0\n-e ./pkg\n";
    expect(requirementFileOptions(text, (rel) => `/ctx/deps/${rel}`)).toEqual(["--index-url", "https://i/simple", "-f", "/ctx/deps/./wheels", "--find-links", "https://x/links", "--no-index"]);
  });
});
