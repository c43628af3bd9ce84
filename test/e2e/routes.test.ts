/** Issue 4: the same spec builds through every client route, and failures are reported well. */
import { describe, expect, it } from "vitest";
import { baseImage, buildx, envOf, expectBuilt, frontendImage, inspect, makeContext, runIn, tag } from "./harness.js";

function minimalSpec() {
  return {
    base_image: baseImage(),
    layers: [
      { env: { env_variables: { GREETING: "hello", PATH: "/opt/tool/bin:$PATH" } } },
      { workdir: { workdir: "/srv/app" } },
      { commands: { cmd: ['echo "$GREETING from $(pwd)" > out.txt'] } },
    ],
  };
}

async function checkMinimalImage(image: string): Promise<void> {
  expect(await runIn(image, "cat /srv/app/out.txt")).toBe("hello from /srv/app\n");
  expect(await runIn(image, "pwd")).toBe("/srv/app\n");
  const info = await inspect(image);
  const env = envOf(info);
  expect(env.GREETING).toBe("hello");
  expect(env.PATH).toMatch(/^\/opt\/tool\/bin:\/usr\/local\/sbin:/);
  expect(env.PATH).not.toContain("$");
  expect(info.Config.WorkingDir).toBe("/srv/app");
  expect(info.Config.Labels?.["team"]).toBe("platform");
  expect(info.Config.Labels?.["dev.imagespec.spec.digest"]).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(info.Config.Cmd).toEqual(["python3"]); // inherited from the base image
}

describe("client routes", () => {
  it("(a) JSON spec with --build-arg BUILDKIT_SYNTAX", async () => {
    const ctx = makeContext({ "spec.json": JSON.stringify(minimalSpec(), null, 2) });
    const t = tag("route-a");
    const r = await buildx(ctx, { file: "spec.json", tag: t, labels: { team: "platform" } });
    expectBuilt(r);
    expect(r.stderr).toContain("[3/3] echo");
    await checkMinimalImage(t);
  });

  it("(b) YAML spec whose first line is # syntax=", async () => {
    const s = minimalSpec();
    const yaml = [
      `# syntax=${frontendImage()}`,
      `base_image: ${s.base_image}`,
      "layers:",
      "  - env:",
      "      env_variables:",
      "        GREETING: hello",
      '        PATH: "/opt/tool/bin:$PATH"',
      "  - workdir:",
      "      workdir: /srv/app",
      "  - commands:",
      "      cmd:",
      `        - 'echo "$GREETING from $(pwd)" > out.txt'`,
      "",
    ].join("\n");
    const ctx = makeContext({ "imagespec.yaml": yaml });
    const t = tag("route-b");
    expectBuilt(await buildx(ctx, { file: "imagespec.yaml", tag: t, syntaxArg: false, labels: { team: "platform" } }));
    await checkMinimalImage(t);
  });

  it('(c) JSON spec with a top-level "syntax" key', async () => {
    const ctx = makeContext({ "spec.json": JSON.stringify({ syntax: frontendImage(), ...minimalSpec() }) });
    const t = tag("route-c");
    expectBuilt(await buildx(ctx, { file: "spec.json", tag: t, syntaxArg: false, labels: { team: "platform" } }));
    await checkMinimalImage(t);
  });

  it("(d) inline spec passed as a build arg (as a build task would)", async () => {
    const ctx = makeContext({ "placeholder.json": "{}" });
    const t = tag("route-d");
    expectBuilt(await buildx(ctx, { file: "placeholder.json", tag: t, buildArgs: { spec: JSON.stringify(minimalSpec()) }, labels: { team: "platform" } }));
    await checkMinimalImage(t);
  });
});

describe("options", () => {
  it("--build-context replaces the base image (named context), and its own Python is used", async () => {
    const spec = { base_image: baseImage(), python_version: "3.13", layers: [{ commands: { cmd: ["python3 --version > /v"] } }] };
    const ctx = makeContext({ "spec.json": JSON.stringify(spec) });
    const t = tag("named-context");
    const r = await buildx(ctx, { file: "spec.json", tag: t, buildArgs: { installer: "pip" }, extra: ["--build-context", `${baseImage()}=docker-image://${baseImage("3.13-trixie")}`] });
    expectBuilt(r);
    expect(await runIn(t, "cat /v; /opt/venv/bin/python --version")).toMatch(/^Python 3\.13\.\d+\nPython 3\.13\.\d+\n$/);
  });

});

describe("failure reporting", () => {
  it("a failing command shows the spec line of its entry", async () => {
    const spec = `base_image: ${baseImage()}\nlayers:\n  - commands:\n      cmd:\n        - "echo fine"\n  - commands:\n      cmd:\n        - "exit 42"\n`;
    const ctx = makeContext({ "spec.yaml": spec });
    const r = await buildx(ctx, { file: "spec.yaml" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("[2/2] exit 42");
    expect(r.stderr).toMatch(/exit code: 42/);
    // BuildKit prints the spec lines around the failing entry, from our source map.
    expect(r.stderr).toMatch(/spec\.yaml:\d+/);
    expect(r.stderr).toMatch(/>>>\s+- commands:|>>>\s+cmd:|>>>\s+- "exit 42"/);
  });

  it("an invalid spec is rejected before any build step, with the line", async () => {
    const spec = `base_image: ${baseImage()}\nlayers:\n  - pip_packages:\n      packges: ["six"]\n`;
    const ctx = makeContext({ "spec.yaml": spec });
    const r = await buildx(ctx, { file: "spec.yaml" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown field "packges"');
    expect(r.stderr).toContain('did you mean "packages"?');
    expect(r.stderr).toMatch(/spec\.yaml:4/);
    expect(r.stderr).not.toContain("pip install");
  });

  it("an internal exception ends the build with an error, not a hang", async () => {
    const ctx = makeContext({ "spec.json": JSON.stringify(minimalSpec()) });
    const r = await buildx(ctx, { file: "spec.json", buildArgs: { "debug-fail": "internal" }, timeoutMs: 240_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("injected internal failure");
  });

  it("an unknown option of ours is an error", async () => {
    const ctx = makeContext({ "spec.json": JSON.stringify(minimalSpec()) });
    const r = await buildx(ctx, { file: "spec.json", buildArgs: { instaler: "pip" } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown build argument "instaler"');
  });
});
