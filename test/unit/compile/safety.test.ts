/** Issue 6 safety properties, at the LLB level. */
import { describe, expect, it } from "vitest";
import { APT_SCRIPT } from "../../../frontend/plan/reproducible.js";
import { UV_BIN } from "../../../frontend/plan/installer.js";
import { compileSpec } from "../../support/compile-fixture.js";
import { execOps } from "../../support/llb-inspect.js";

const BASE = "registry.test/python:3.11";

describe("user input reaches processes as argv, never through a shell", () => {
  it("pip packages, options and extra_args are separate argv entries of the installer itself", () => {
    const spec = {
      base_image: BASE,
      layers: [{ pip_packages: { packages: ['tinyjson ; python_version >= "3"'], options: { extra_args: `--config-settings "x=$(touch /pwned)" ';rm -rf /;'` } } }],
    };
    for (const installer of ["uv", "pip"] as const) {
      const args: string[] = execOps(compileSpec(spec, { settings: { installer } }).state.marshal()).at(-1)!.op.exec.meta.args;
      expect(args[0]).toBe(installer === "uv" ? UV_BIN : "/opt/venv/bin/python");
      expect(args.slice(-4)).toEqual(["--config-settings", "x=$(touch /pwned)", ";rm -rf /;", 'tinyjson ; python_version >= "3"']);
    }
  });

  it("apt packages are positional parameters of a fixed script, not part of it", () => {
    const args: string[] = execOps(compileSpec({ base_image: BASE, layers: [{ apt_packages: { packages: ["curl", "jq"] } }] }).state.marshal()).at(-1)!.op.exec.meta.args;
    expect(args.slice(0, 4)).toEqual(["/bin/sh", "-c", APT_SCRIPT, "apt-get"]);
    expect(args.slice(4)).toEqual(["curl", "jq"]);
  });

  it("paths from the spec are argv too (requirements, wheels)", () => {
    const def = compileSpec({ base_image: BASE, layers: [{ requirements: { file: "r e q/$(x).txt" } }, { python_wheels: { dir: "d;ir", package_name: "acme" } }] }).state.marshal();
    const [req, deps] = execOps(def).slice(1);
    expect(req!.op.exec.meta.args.slice(-2)).toEqual(["-r", "/run/imagespec/context/r e q/$(x).txt"]);
    expect(deps!.op.exec.meta.args).toContain("/run/imagespec/context/d;ir");
  });

  it("only commands, and the fixed apt/poetry scripts, use /bin/sh", () => {
    const def = compileSpec({
      base_image: BASE,
      python_version: "3.11",
      layers: [
        { pip_packages: { packages: ["six"] } },
        { requirements: { file: "r.txt" } },
        { python_wheels: { dir: "dist" } },
        { uv_project: { pyproject: "svc" } },
        { workdir: { workdir: "/app" } },
        { copy_config: { src: "src" } },
      ],
    }, { wheels: { dist: ["dist/a-1-py3-none-any.whl"] } }).state.marshal();
    for (const e of execOps(def)) expect(e.op.exec.meta.args[0]).not.toBe("/bin/sh");
  });
});

describe("secrets never enter the LLB", () => {
  it("the Definition names secrets by id only; the compiler is never given a value", () => {
    const spec = { base_image: BASE, layers: [{ commands: { cmd: ["make"], secret_mounts: [{ group: "pypi", key: "token" }, { key: "netrc", mount_requirement: "FILE" }] } }] };
    const def = compileSpec(spec).state.marshal();
    const step = execOps(def).at(-1)!;
    expect(step.op.exec.secretenv).toEqual([{ ID: "pypi_token", name: "PYPI_TOKEN" }]);
    const secretMounts = (step.op.exec.mounts as { mountType?: string; secretOpt?: unknown }[]).filter((m) => m.mountType === "SECRET");
    expect(secretMounts).toEqual([expect.objectContaining({ secretOpt: { ID: "netrc", mode: 0o400 } })]);
    // No env of any op carries the secret, only the step that asked for it sees it (as secretenv).
    for (const e of execOps(def)) expect(JSON.stringify(e.op.exec.meta.env ?? [])).not.toMatch(/PYPI_TOKEN/);
  });
});
