/** apt packages, commands, workdir, copies and env: the entries that are not Python installs. */
import type { Layer } from "../imagespec/model.js";
import { contextPath, imagePath } from "../common/paths.js";
import { expandVariables } from "../grammars/env-expansion.js";
import { cacheId } from "../options/settings.js";
import type { Planning } from "./planning.js";
import { stepFs, type CopyStep, type MkdirStep } from "./plan.js";
import { APT_SCRIPT, fileTime } from "./reproducible.js";

type Of<K extends Layer["kind"]> = Extract<Layer, { kind: K }>;

export function planApt(p: Planning, l: Of<"apt_packages">): void {
  p.b.run(p.b.stepName(l, `apt-get install ${l.packages.join(" ")}`), l.at, ["/bin/sh", "-c", APT_SCRIPT, "apt-get", ...l.packages], {
    mounts: [
      { kind: "cache", dest: "/var/cache/apt", id: cacheId(p.settings, "apt-cache"), sharing: "locked" },
      { kind: "cache", dest: "/var/lib/apt/lists", id: cacheId(p.settings, "apt-lists"), sharing: "locked" },
    ],
    env: { DEBIAN_FRONTEND: "noninteractive" },
    secrets: l.secrets,
  });
}

/** Each entry runs as `/bin/sh -c <entry>` as root, in the working directory and env so far. */
export function planCommands(p: Planning, l: Of<"commands">): void {
  for (const cmd of l.cmd) p.b.run(p.b.stepName(l, cmd), l.at, ["/bin/sh", "-c", cmd], { secrets: l.secrets });
}

/** Made if missing (with the build's file time); a relative path resolves against the working directory so far. */
export function planWorkdir(p: Planning, l: Of<"workdir">): void {
  const b = p.b;
  const dir = imagePath(b.cwd, expandVariables(l.workdir, (n) => b.getEnv(n)));
  const step = b.add<MkdirStep>({ kind: "mkdir", name: b.stepName(l, `WORKDIR ${dir}`), at: l.at, on: b.fs, path: dir, time: fileTime(p.settings) });
  b.fs = stepFs(step.id);
  b.cwd = dir;
  b.record(`WORKDIR ${dir}`, false);
}

/** Dockerfile COPY: a directory's contents into `dst`, owned by the base image's user, every file with the build's file time. */
export function planCopy(p: Planning, l: Of<"copy_config">): void {
  const b = p.b;
  const dst = l.dst || ".";
  const step = b.add<CopyStep>({
    kind: "copy",
    name: b.stepName(l, `COPY ${l.src} ${dst}`),
    at: l.at,
    on: b.fs,
    cwd: b.cwd,
    src: contextPath(l.src)!,
    dest: dst,
    time: fileTime(p.settings),
    ...(p.owner ? { owner: p.owner } : {}),
  });
  b.fs = stepFs(step.id);
  b.record(`COPY ${l.src} ${dst}`, false);
}

/** Applied in order, each value expanded against the env so far. */
export function planEnv(p: Planning, l: Of<"env">): void {
  for (const [k, v] of l.vars) p.b.setEnv(k, v);
  p.b.record(`ENV ${l.vars.map(([k]) => k).join(" ")}`, true);
}

/** Splits a `user[:group]` config value into an owner; undefined for root. */
export function ownerOf(user: string | undefined): Planning["owner"] {
  if (!user) return undefined;
  const [u, g] = user.split(":", 2) as [string, string | undefined];
  if (u === "" || u === "root" || u === "0") return undefined;
  const ref = (x: string) => (/^\d+$/.test(x) ? Number(x) : x);
  return g !== undefined && g !== "" ? { user: ref(u), group: ref(g) } : { user: ref(u), group: ref(u) };
}
