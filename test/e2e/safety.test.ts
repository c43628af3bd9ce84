/** Issue 6: safety properties on a real build. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { baseImage, buildx, expectBuilt, indexUrl, makeContext, runIn, tag } from "./harness.js";

describe("safety on a real engine", () => {
  it("text a shell would execute is passed to pip literally (nothing runs, nothing is written)", async () => {
    const spec = {
      base_image: baseImage(),
      layers: [
        {
          pip_packages: {
            // A valid requirement with a marker: through a shell, `;` would end the command and `>=` redirect.
            packages: ['tinyjson ; python_version >= "3"'],
            // pip ignores config settings for wheels; through a shell $(…) would run.
            options: { index_url: indexUrl(), extra_args: `--config-settings "x=$(touch /pwned)"` },
          },
        },
        { commands: { cmd: ["test ! -e /pwned && test ! -e /= && test ! -e '/ python_version' && echo safe > /safety"] } },
      ],
    };
    const ctx = makeContext({ "spec.json": JSON.stringify(spec) });
    const t = tag("argv");
    expectBuilt(await buildx(ctx, { file: "spec.json", tag: t, buildArgs: { installer: "pip" } }));
    expect(await runIn(t, 'cat /safety; python -c "import tinyjson; print(tinyjson.__version__)"')).toBe("safe\n1.1.0\n");
  });

  it("a symlink in the context that points outside it cannot leak the target into the image", async () => {
    const outside = mkdtempSync(join(tmpdir(), "imagespec-outside-"));
    const marker = `outside-secret-${process.pid}`;
    writeFileSync(join(outside, "secret.txt"), marker);
    const ctx = makeContext({
      "spec.json": JSON.stringify({
        base_image: baseImage(),
        layers: [{ copy_config: { src: "app", dst: "/app" } }],
      }),
      "app/main.py": "print(1)\n",
    });
    symlinkSync(join(outside, "secret.txt"), join(ctx, "app", "abs-link"));
    symlinkSync("../../" + outside.split("/").pop() + "/secret.txt", join(ctx, "app", "rel-link"));
    mkdirSync(join(ctx, "app", "sub"));
    symlinkSync(outside, join(ctx, "app", "sub", "dir-link"));
    const t = tag("symlink");
    const r = await buildx(ctx, { file: "spec.json", tag: t });
    expectBuilt(r);
    const out = await runIn(t, "cat /app/main.py; cat /app/abs-link /app/rel-link /app/sub/dir-link/secret.txt 2>&1 || true");
    expect(out).toContain("print(1)");
    expect(out).not.toContain(marker);
  });

  it("a copy source with .. or an absolute path is refused before anything runs", async () => {
    for (const src of ["../etc", "/etc/passwd", "app/../../x"]) {
      const ctx = makeContext({ "spec.json": JSON.stringify({ base_image: baseImage(), layers: [{ copy_config: { src, dst: "/x" } }] }) });
      const r = await buildx(ctx, { file: "spec.json" });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`copy source "${src}" must be a relative path inside the build context`);
    }
  });
});
