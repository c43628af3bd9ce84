import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDebianPackage } from "../../../frontend/grammars/debian.js";
import { loadSpec } from "../../../frontend/imagespec/load.js";
import { isProjectName } from "../../../frontend/grammars/pep508.js";
import { SpecError } from "../../../frontend/imagespec/problems.js";
import { defaultSecretEnv } from "../../../frontend/imagespec/secrets.js";
import { DEBIAN_PACKAGES, PROJECT_NAMES } from "../../../bench/hostile-strings.js";
import { expectLinearWork } from "../../support/work-count.js";

const enc = (s: string) => new TextEncoder().encode(s);

/** Every problem of a spec as `path: message`, or [] when it loads. */
function problems(text: string): string[] {
  try {
    loadSpec(enc(text), "spec.yaml");
    return [];
  } catch (e) {
    if (e instanceof SpecError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
}

const withSecrets = (...layers: string[]) => `base_image: x:1\nlayers:\n${layers.map((s) => `  - commands: {cmd: [make], secret_mounts: [${s}]}`).join("\n")}\n`;
const at = (layer: number, i: number) => `layers[${layer}].commands.secret_mounts[${i}]`;

describe("secrets", () => {
  it("refuses an empty key", () => {
    expect(problems(withSecrets(`{key: ""}`))).toEqual([`${at(0, 0)}.key: secret key must not be empty`]);
  });

  it("refuses two secrets whose BuildKit ids collide", () => {
    expect(problems(withSecrets("{key: a_b}", "{group: a, key: b}"))).toEqual([
      `${at(1, 0)}: secrets {key: a_b} and {group: a, key: b} both become BuildKit secret id "a_b" (first at ${at(0, 0)})`,
    ]);
  });

  it("allows the same secret declared again with the same settings, and refuses different settings", () => {
    expect(problems(withSecrets("{group: g, key: k}", "{group: g, key: k}"))).toEqual([]);
    expect(problems(withSecrets("{key: k, env_var: A}", "{key: k, env_var: B}"))).toEqual([`${at(1, 0)}: secret "k" is declared again with different settings (first at ${at(0, 0)})`]);
  });

  it("derives env names mapping - and . to _, and refuses a derived name that is not valid", () => {
    expect(defaultSecretEnv({ group: "my-group", key: "api.token", groupVersion: "", mount: "ANY", envVar: "", at: "" })).toBe("MY_GROUP_API_TOKEN");
    expect(problems(withSecrets("{key: 9lives}"))).toEqual([`${at(0, 0)}.key: secret {key: 9lives} would be exposed as environment variable "9LIVES", which is not a valid name`]);
    expect(problems(withSecrets("{key: 9lives, env_var: NINE_LIVES}"))).toEqual([]);
    expect(problems(withSecrets("{key: 9lives, mount_requirement: FILE}"))).toEqual([]);
  });

  it("refuses two secrets setting one env var in a step, counting FILE paths and derived names", () => {
    expect(problems(withSecrets("{key: a-b}, {key: a.b}"))).toEqual([`${at(0, 1)}: secrets {key: a-b} and {key: a.b} both set environment variable "A_B" in this step (first at ${at(0, 0)})`]);
    expect(problems(withSecrets("{key: k, env_var: TOKEN}, {key: j, env_var: TOKEN, mount_requirement: FILE}"))).toEqual([
      `${at(0, 1)}: secrets {key: k} and {key: j} both set environment variable "TOKEN" in this step (first at ${at(0, 0)})`,
    ]);
    expect(problems(withSecrets("{key: TOKEN}, {key: other, env_var: TOKEN}"))).toHaveLength(1);
    // Different steps may each set it.
    expect(problems(withSecrets("{key: k, env_var: TOKEN}", "{key: j, env_var: TOKEN}"))).toEqual([]);
    // FILE mounts without env_var set nothing.
    expect(problems(withSecrets("{key: k, mount_requirement: FILE}, {key: K, mount_requirement: FILE}"))).toEqual([]);
  });

  it("refuses a secret listed twice in one step", () => {
    expect(problems(withSecrets("{key: k, mount_requirement: FILE}, {key: k, mount_requirement: FILE}"))).toEqual([`${at(0, 1)}: secret {key: k} is listed twice in this step (first at ${at(0, 0)})`]);
  });
});

describe("python_version, platforms and index URLs", () => {
  it("refuses a leading zero in python_version, saying what to write", () => {
    expect(problems(`base_image: x:1\npython_version: "3.08"\n`)).toEqual(['python_version: "3.08" is not a Python version of the form 3.X: the minor version has a leading zero']);
    expect(problems(`base_image: x:1\npython_version: "3.012"\n`)).toEqual(['python_version: "3.012" is not a Python version of the form 3.X: the minor version has a leading zero']);
    expect(problems(`base_image: x:1\npython_version: "3.10"\n`)).toEqual([]);
  });

  it("accepts spellings of one platform (merged later) and refuses what BuildKit cannot build", () => {
    expect(problems(`base_image: x:1\nplatform: [linux/amd64, x86_64, linux/amd64/v1, aarch64, linux/arm64/v8]\n`)).toEqual([]);
    expect(problems(`base_image: x:1\nplatform: [foo, "../..", windows/amd64]\n`)).toEqual([
      'platform[0]: platform "foo": unknown architecture "foo"; known: amd64, arm64, arm, 386, ppc64le, ppc64, s390x, riscv64, mips64le, mips64, mipsle, mips, loong64',
      'platform[1]: platform "../..": unknown operating system ".."; use linux/<arch>, e.g. linux/amd64',
      'platform[2]: platform "windows/amd64": this frontend builds Linux images only, not windows ones; use linux/<arch>',
    ]);
  });

  it("takes URL schemes in any case", () => {
    expect(problems(`base_image: x:1\nlayers:\n  - pip_packages: {packages: [six], options: {index_url: "HTTPS://Idx.test/simple", extra_index_urls: ["File:///srv/simple", "Http://x.test"]}}\n`)).toEqual([]);
    expect(problems(`base_image: x:1\nlayers:\n  - pip_packages: {packages: [six], options: {index_url: "HTTPS:/idx.test"}}\n`)).toEqual(['layers[0].pip_packages.options.index_url: "HTTPS:/idx.test" is not an http(s) or file URL']);
  });

  it("expands nested substitutions in env values", () => {
    expect(problems(`base_image: x:1\nlayers:\n  - env: {env_variables: {A: "\${B:-\${C:-c}}"}}\n`)).toEqual([]);
  });
});

describe("name checks accept what the regexes they replace accepted, in linear time", () => {
  const OLD_DEBIAN = /^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?(?:=[A-Za-z0-9.+~:-]+|\/[a-z0-9.-]+)?$/;
  const OLD_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;
  const over = (chars: string) => fc.string({ unit: fc.constantFrom(...chars), maxLength: 14 });

  it("Debian packages", () => {
    fc.assert(fc.property(over("ab09+.-:=/~A "), (s) => {
        expect(isDebianPackage(s), s).toBe(OLD_DEBIAN.test(s));
      }), { numRuns: 3000 });
    for (const ok of ["git", "libssl-dev", "g++", "python3.11", "curl:amd64", "nginx=1.24.0-1~bookworm", "nginx:arm64=1:2.0", "git/bookworm-backports"]) expect(isDebianPackage(ok), ok).toBe(true);
  });

  it("Python project names", () => {
    fc.assert(fc.property(over("aZ09._- ["), (s) => {
        expect(isProjectName(s), s).toBe(OLD_NAME.test(s));
      }), { numRuns: 3000 });
  });

  it.each([DEBIAN_PACKAGES, PROJECT_NAMES].flatMap((strings) => strings.shapes.map(([what, make]) => [strings.name, what, strings, make] as const)))(
    "%s examines each character of a long name a bounded number of times: %s",
    (_name, _what, strings, make) => {
      expectLinearWork(strings, make);
    },
  );
});
