/**
 * Lowering: a plan into LLB. The only stage that knows LLB; each plan step becomes the op it
 * names, filesystems are memoized by step, and every step keeps its name and spec location.
 */
import {
  diff,
  FileAction,
  image,
  local,
  merge,
  scratch,
  type ExecState,
  type NetworkMode,
  type OpOptions,
  type Platform,
  type ProxyEnv,
  type RunMount,
  type SourceMap,
  type State,
} from "../../llb/src/index.js";
import { toPbRange, type SourceRange } from "../common/positions.js";
import type { ContextTree, Env, ExecStep, Fs, Mount, Plan, Step } from "../plan/plan.js";
import type { ImageDir } from "../options/settings.js";

/** The time every file of a package layer gets (so its bytes do not depend on when it was built). */
export const LAYER_TIME = new Date(0);

/** A plan time (whole seconds since 1970) as a file op's time. */
const secondsTime = (seconds: number): Date => new Date(seconds * 1000);

/** What lowering needs besides the plan: where the context comes from, and the daemon-facing settings. */
export interface LowerContext {
  platform: Platform;
  context: { localName: string; sessionId: string; excludePatterns: readonly string[] };
  settings: {
    network: NetworkMode;
    proxy?: ProxyEnv;
    noCache: boolean;
    resolveMode: "default" | "pull" | "local";
    uvImage: string;
    /** Directory of `uvImage` that holds the `uv` binary (default: its root). */
    uvImageDir?: string;
    /** The frontend image's own pip, for resolve steps (BuildSettings.resolverPip). */
    resolverPip?: ImageDir;
  };
  /** The spec's source map and each spec path's range, for step locations. */
  sourceMap?: SourceMap;
  ranges?: ReadonlyMap<string, SourceRange>;
}

/** The plan's result as LLB. */
export function lower(plan: Plan, ctx: LowerContext): State {
  return new Lowering(plan, ctx).fs(plan.result);
}

class Lowering {
  private readonly byId = new Map<string, Step>();
  private readonly done = new Map<string, State | ExecState>();
  private readonly base: State;
  /** The defaults every exec starts from (platform, network); its env and cwd are the step's own. */
  private readonly template: State;
  private contextState: State | undefined;
  private uvState: State | undefined;
  private ownState: State | undefined;
  private readonly templates = new WeakMap<Env, State>();

  constructor(
    private readonly plan: Plan,
    private readonly ctx: LowerContext,
  ) {
    for (const s of plan.steps) this.byId.set(s.id, s);
    const { settings, platform } = ctx;
    this.base = image(plan.base.ref, {
      platform,
      ...(settings.resolveMode !== "default" ? { resolveMode: settings.resolveMode } : {}),
      customName: `[base] ${plan.base.ref}`,
      ...this.location(plan.base.at),
    });
    this.template = this.base.withNetwork(settings.network);
  }

  private location(at: string): OpOptions {
    const range = this.ctx.ranges?.get(at);
    const sm = this.ctx.sourceMap;
    if (!sm || !range) return {};
    return { sourceLocations: [sm.location(toPbRange(range))] };
  }

  private opts(name: string, at: string): OpOptions {
    return { customName: name, ...(this.ctx.settings.noCache ? { ignoreCache: true } : {}), ...this.location(at) };
  }

  /** The context, for reading `path`: a path the plan did not list would not be transferred. */
  private contextFor(path: string): State {
    const listed = this.plan.contextPaths;
    if (!listed.some((p) => p === "." || p === path || path.startsWith(p + "/"))) {
      throw new Error(`internal: the plan reads context path "${path}" without listing it`);
    }
    return this.context();
  }

  private context(): State {
    const { localName, sessionId, excludePatterns } = this.ctx.context;
    this.contextState ??= local(localName, {
      sessionId,
      sharedKeyHint: localName,
      ...(excludePatterns.length > 0 ? { excludePatterns: [...excludePatterns] } : {}),
      followPaths: [...this.plan.contextPaths],
      customName: "[internal] load build context",
    });
    return this.contextState;
  }

  /** The frontend's own image, the source of the pip resolve steps run. */
  private resolverPip(): { state: State; dir: string } {
    const own = this.ctx.settings.resolverPip;
    if (!own) throw new Error("a resolve step mounts the frontend image's pip, but the settings name none");
    this.ownState ??= image(own.image, { platform: this.ctx.platform, customName: `[internal] pip from ${own.image}` });
    return { state: this.ownState, dir: own.dir };
  }

  /**
   * The exec template with an environment. Steps share their Env until it changes, so they share
   * this State too, and with it the env's `KEY=VALUE` strings (a long spec has many steps with a
   * long env each).
   */
  private withEnv(env: Env): State {
    let st = this.templates.get(env);
    // The template has no env of its own (the image source's config is not read here), and a
    // plan's Env has unique keys: it becomes the state's env as it is.
    if (!st) this.templates.set(env, (st = this.template.withEnvList(env)));
    return st;
  }

  private uv(): State {
    const { uvImage } = this.ctx.settings;
    this.uvState ??= image(uvImage, { platform: this.ctx.platform, customName: `[internal] uv from ${uvImage}` });
    return this.uvState;
  }

  fs(f: Fs): State {
    switch (f.kind) {
      case "base":
        return this.base;
      case "scratch":
        return scratch();
      case "step":
        return this.step(f.id);
      case "output":
        this.step(f.id);
        return (this.done.get(f.id) as ExecState).getMount(f.dest);
      case "merge":
        return merge(f.of.map((x) => this.fs(x)));
      case "diff":
        return diff(this.fs(f.lower), this.fs(f.upper), f.name ? { customName: f.name } : {});
    }
  }

  /** A step's result (an exec's state stands for its root filesystem). */
  private step(id: string): State {
    let out = this.done.get(id);
    if (!out) {
      const s = this.byId.get(id);
      if (!s) throw new Error(`internal: the plan has no step ${id}`);
      out = this.make(s);
      this.done.set(id, out);
    }
    return out;
  }

  private make(s: Step): State | ExecState {
    switch (s.kind) {
      case "exec":
        return this.exec(s);
      case "mkdir":
        return this.fs(s.on).file(FileAction.mkdir(s.path, 0o755, { parents: true, timestamp: secondsTime(s.time) }), this.opts(s.name, s.at));
      case "copy": {
        const exclude = this.ctx.context.excludePatterns;
        return this.fs(s.on)
          .withCwd(s.cwd)
          .file(
            FileAction.copy(this.contextFor(s.src), s.src, s.dest, {
              copyDirContentsOnly: true,
              createDestPath: true,
              allowWildcard: true,
              followSymlinks: true,
              timestamp: secondsTime(s.time),
              ...(s.owner ? { owner: s.owner } : {}),
              ...(exclude.length > 0 ? { excludePatterns: [...exclude] } : {}),
            }),
            this.opts(s.name, s.at),
          );
      }
      case "package-layer":
        return scratch().file(
          FileAction.copy(this.fs(s.from), "/", "/", {
            includePatterns: [s.top],
            // Matches nothing: it makes each package's copy an op of its own. BuildKit keys a copy by
            // its definition and the content it copies; a definition shared by every package let a
            // cache record of one package's copy answer for another's (seen with torch, whose layer
            // came back empty).
            excludePatterns: [`${s.top}/.imagespec-layer-${s.dist.replace(/[^A-Za-z0-9._-]/g, "_")}`],
            copyDirContentsOnly: true,
            createDestPath: true,
            allowEmptyWildcard: true,
            timestamp: LAYER_TIME,
          }),
          { customName: s.name },
        );
      case "squash":
        return scratch().file(FileAction.copy(merge(s.of.map((x) => this.fs(x))), "/", "/", { copyDirContentsOnly: true, createDestPath: true, timestamp: LAYER_TIME }), { customName: s.name });
    }
  }

  private exec(s: ExecStep): ExecState {
    let st = this.withEnv(s.env).withOutput(this.fs(s.on).output);
    st = st.withCwd(s.cwd);
    const proxy = this.ctx.settings.proxy;
    return st.run({
      args: s.args,
      ...(s.extraEnv ? { env: s.extraEnv } : {}),
      mounts: s.mounts.map((m) => this.mount(m)),
      ...(s.secretEnv ? { secretEnv: s.secretEnv } : {}),
      ...(proxy ? { proxyEnv: proxy } : {}),
      ...this.opts(s.name, s.at),
    });
  }

  private mount(m: Mount): RunMount {
    switch (m.kind) {
      case "cache":
        return { type: "cache", dest: m.dest, id: m.id, sharing: m.sharing };
      case "context":
        return { type: "bind", dest: m.dest, source: this.contextFor(m.path ?? "."), ...(m.path !== undefined ? { selector: m.path } : {}), readonly: true };
      case "uv": {
        const dir = this.ctx.settings.uvImageDir;
        return { type: "bind", dest: m.dest, source: this.uv(), readonly: true, ...(dir ? { selector: dir } : {}) };
      }
      case "resolver-pip": {
        const own = this.resolverPip();
        return { type: "bind", dest: m.dest, source: own.state, readonly: true, selector: own.dir };
      }
      case "tree":
        return { type: "bind", dest: m.dest, source: this.tree(m.tree), readonly: m.readonly };
      case "files":
        return { type: "bind", dest: m.dest, source: this.files(m.files, m.name, m.mode ?? 0o644), readonly: true };
      case "output":
        return { type: "bind", dest: m.dest, source: scratch(), readonly: false };
      case "fs":
        return { type: "bind", dest: m.dest, source: this.fs(m.fs), readonly: true, ...(m.selector !== undefined ? { selector: m.selector } : {}) };
      case "secret":
        return { type: "secret", dest: m.dest, id: m.id, mode: m.mode, uid: 0, gid: 0 };
    }
  }

  private tree(t: ContextTree): State {
    let st = scratch();
    for (const op of t.ops) {
      let action: FileAction | undefined;
      for (const c of op.copies) {
        const o = { ...(c.contents ? { copyDirContentsOnly: true } : {}), createDestPath: true, ...(c.follow ? { followSymlinks: true } : {}) };
        const from = this.contextFor(c.src);
        action = action ? action.copy(from, c.src, c.dest, o) : FileAction.copy(from, c.src, c.dest, o);
      }
      st = st.file(action!, op.name ? { customName: op.name } : {});
    }
    return st;
  }

  private files(files: Readonly<Record<string, string>>, name: string, mode: number): State {
    let action: FileAction | undefined;
    for (const [file, text] of Object.entries(files)) {
      action = action ? action.mkfile(`/${file}`, mode, text) : FileAction.mkfile(`/${file}`, mode, text);
    }
    return action ? scratch().file(action, { customName: name }) : scratch();
  }
}
