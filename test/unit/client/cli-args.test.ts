import { describe, expect, it } from "vitest";
import { DEFAULT_BUILDKIT, parseArgs, UsageError, type BuildArgs } from "../../../client/cli/args.js";
import { registryHost, resolveTarget } from "../../../client/cli/target.js";

const base = ["--spec", "s.yaml", "--context", ".", "--frontend", "f:1"];
const build = (argv: string[], env: NodeJS.ProcessEnv = {}): BuildArgs => {
  const p = parseArgs(argv, env);
  if (p.kind !== "build") throw new Error(p.kind);
  return p.args;
};

describe("parseArgs", () => {
  it("reads every flag, repeatable ones in order, --x=v and --x v alike", () => {
    const a = build([
      ...base, "--target-image=r:5000/app:1", "--platform", "linux/amd64,linux/arm64", "--platform=linux/s390x",
      "--secret", "id=a,env=A", "--opt", "installer=pip", "--opt", "no-cache", "--cache-from", "type=registry,ref=r/c",
      "--cache-to", "type=registry,ref=r/c,mode=max", "--buildkit", "tcp://b0:1", "--buildkit", "tcp://b1:1,tcp://b2:1",
      "--progress", "plain", "--no-optimize", "--force", "--output-file", "out.txt", "--tlscacert", "/ca", "--tlsdir", "/t",
    ]);
    expect(a).toMatchObject({
      spec: "s.yaml", context: ".", frontend: "f:1", targetImage: "r:5000/app:1",
      platforms: ["linux/amd64", "linux/arm64", "linux/s390x"], secrets: [{ id: "a", env: "A" }],
      opts: [["installer", "pip"], ["no-cache", ""]], cacheFrom: ["type=registry,ref=r/c"], cacheTo: ["type=registry,ref=r/c,mode=max"],
      buildkit: ["tcp://b0:1", "tcp://b1:1", "tcp://b2:1"], progress: "plain", optimize: false, force: true, outputFile: "out.txt",
      tls: { ca: "/ca" }, tlsDir: "/t", auth: "docker",
    });
  });

  it("--sbom asks for the frontend's SBOM; off unless given", () => {
    expect(build([...base, "--target-image", "x/y", "--sbom"]).sbom).toBe(true);
    expect(build([...base, "--target-image", "x/y"]).sbom).toBe(false);
    expect(() => parseArgs([...base, "--target-image", "x/y", "--sbom=true"], {})).toThrow(/takes no value/);
  });

  it("maps --network host to its entitlement, and reads --allow lists", () => {
    expect(build([...base, "--target-image", "x/y", "--network", "host"])).toMatchObject({ network: "host", allow: ["network.host"] });
    expect(build([...base, "--target-image", "x/y", "--allow", "security.insecure,network.host", "--network=host"]).allow).toEqual(["security.insecure", "network.host"]);
    expect(build([...base, "--target-image", "x/y"]).allow).toEqual([]);
    expect(() => parseArgs([...base, "--target-image", "x/y", "--network", "bridge"], {})).toThrow(/--network must be/);
  });

  it("falls back to the build task's environment, and flags win", () => {
    const env = { UNION_BUILDKIT_URI: "tcp://a:1, tcp://b:1", UNION_DEFAULT_REPOSITORY: "reg/images/", UNION_REGISTRY_AUTHENTICATION_TYPE: "noop", IMAGESPEC_FRONTEND_IMAGE: "env-f" };
    const fromEnv = build(["--spec", "s", "--context", "c"], env);
    expect(fromEnv).toMatchObject({ buildkit: ["tcp://a:1", "tcp://b:1"], defaultRepository: "reg/images", auth: "noop", frontend: "env-f" });
    const flags = build(["--spec", "s", "--context", "c", "--buildkit", "unix:///x", "--default-repository", "o", "--registry-auth", "docker", "--frontend", "g"], env);
    expect(flags).toMatchObject({ buildkit: ["unix:///x"], defaultRepository: "o", auth: "docker", frontend: "g" });
    expect(build([...base, "--target-image", "x/y"], { BUILDKIT_HOST: "tcp://h:2" }).buildkit).toEqual(["tcp://h:2"]);
    expect(build([...base, "--target-image", "x/y"], {}).buildkit).toEqual([DEFAULT_BUILDKIT]);
  });

  it("refuses usage errors with a message", () => {
    const bad: [string[], RegExp][] = [
      [["--context", ".", "--frontend", "f", "--target-image", "x"], /--spec is required/],
      [["--spec", "s", "--frontend", "f", "--target-image", "x"], /--context is required/],
      [base, /--target-image or --default-repository/],
      [["--spec", "s", "--context", ".", "--target-image", "x"], /--frontend is required/],
      [[...base, "--target-image", "x", "--bogus"], /unknown option --bogus/],
      [[...base, "--target-image", "x", "--progress", "tty"], /--progress must be/],
      [[...base, "--target-image", "x", "--registry-auth", "ecr"], /expected docker or noop/],
      [[...base, "--target-image", "x", "--optimize", "--no-optimize"], /contradict/],
      [[...base, "--target-image", "x", "--secret", "src=/x"], /id is required/],
      [[...base, "--target-image", "x", "--secret", "id=a", "--secret", "id=a,src=/y"], /given twice/],
      [[...base, "--target-image", "x", "--spec", "t"], /more than once/],
      [[...base, "--target-image"], /needs a value/],
      [[...base, "--target-image", "x", "stray"], /unexpected argument/],
      [[...base, "--target-image", "x", "--force=yes"], /takes no value/],
    ];
    for (const [argv, msg] of bad) expect(() => parseArgs(argv, {}), argv.join(" ")).toThrow(msg);
    expect(() => parseArgs(base, {})).toThrow(UsageError);
  });

  it("answers --help and --version before checking anything else", () => {
    expect(parseArgs(["--help"], {})).toEqual({ kind: "help" });
    expect(parseArgs(["--spec", "s", "-h"], {})).toEqual({ kind: "help" });
    expect(parseArgs(["--version"], {})).toEqual({ kind: "version" });
  });
});

describe("resolveTarget", () => {
  it("keeps full references and completes names with the default repository", () => {
    expect(resolveTarget("127.0.0.1:5000/app:1", "reg/x")).toEqual({ repository: "127.0.0.1:5000/app", tag: "1" });
    expect(resolveTarget("app:1", "reg.example/team")).toEqual({ repository: "reg.example/team/app", tag: "1" });
    expect(resolveTarget("app", "reg.example/team")).toEqual({ repository: "reg.example/team/app" });
    expect(resolveTarget(undefined, "reg.example/team")).toEqual({ repository: "reg.example/team" });
    expect(resolveTarget("localhost:5000/a", undefined)).toEqual({ repository: "localhost:5000/a" });
  });

  it("refuses digests, bad tags and invalid names", () => {
    expect(() => resolveTarget("r/a@sha256:00", undefined)).toThrow(/digest/);
    expect(() => resolveTarget("r/a:-x", undefined)).toThrow(/not a valid tag/);
    expect(() => resolveTarget("R/App", undefined)).toThrow(/not a valid image reference/);
  });

  it("finds the registry host as docker does", () => {
    expect(registryHost("127.0.0.1:5000/app")).toBe("127.0.0.1:5000");
    expect(registryHost("localhost/app")).toBe("localhost");
    expect(registryHost("ghcr.io/o/app")).toBe("ghcr.io");
    expect(registryHost("library/python")).toBe("docker.io");
    expect(registryHost("python")).toBe("docker.io");
  });
});
