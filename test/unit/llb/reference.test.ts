import { describe, expect, it } from "vitest";
import { formatPlatform, normalizeImageReference, parseImageReference, parseLinuxPlatform, parsePlatform } from "../../../llb/src/index.js";
import { IMAGE_REFERENCES, PLATFORMS } from "../../../bench/hostile-strings.js";
import { expectLinearWork } from "../../support/work-count.js";

const HEX64 = "0123456789abcdef".repeat(4);

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected a refusal");
};

describe("image references", () => {
  it.each([
    ["python", "docker.io/library/python:latest"],
    ["python:3.12-slim", "docker.io/library/python:3.12-slim"],
    ["index.docker.io/acme/app:1", "docker.io/acme/app:1"],
    ["localhost/app", "localhost/app:latest"],
    ["localhost:5000/a/b:v1", "localhost:5000/a/b:v1"],
    ["[::1]:5000/app:1", "[::1]:5000/app:1"],
    ["Registry.Test:443/team/app", "Registry.Test:443/team/app:latest"],
    ["ghcr.io/org/a.b_c__d---e:V_1.2-x", "ghcr.io/org/a.b_c__d---e:V_1.2-x"],
    [`python@sha256:${HEX64}`, `docker.io/library/python@sha256:${HEX64}`],
    [`python:3.12@sha256:${HEX64}`, `docker.io/library/python:3.12@sha256:${HEX64}`],
    [`app@sha512:${HEX64}${HEX64}`, `docker.io/library/app@sha512:${HEX64}${HEX64}`],
    [`app:${"t".repeat(128)}`, `docker.io/library/app:${"t".repeat(128)}`],
  ])("%s → %s", (ref, normalized) => {
    expect(normalizeImageReference(ref)).toBe(normalized);
  });

  it.each([
    ["python@sha256:zz", 'invalid digest in image reference "python@sha256:zz": a sha256 digest is lowercase hex (0-9, a-f), found "z"'],
    [`python@sha256:${HEX64.toUpperCase()}`, 'a sha256 digest is lowercase hex (0-9, a-f), found "A"'],
    [`python@sha256:${HEX64}0`, "a sha256 digest has 64 hex digits, this one has 65"],
    [`python@sha512:${HEX64}`, "a sha512 digest has 128 hex digits, this one has 64"],
    ["python@md5:d41d8cd98f00b204e9800998ecf8427e", 'unsupported digest algorithm "md5"; use sha256, sha384, sha512'],
    ["python@sha256", 'expected algorithm:hex after "@"'],
    ["python:", 'invalid tag in image reference "python:": the tag after ":" is empty'],
    ["python:-slim", 'a tag is letters, digits, "_", "." and "-", not starting with "." or "-"'],
    [`python:${"t".repeat(129)}`, "a tag is at most 128 characters, this one has 129"],
    ["Python:3.12", 'invalid repository name in image reference "Python:3.12" (must be lowercase)'],
    ["acme//app", "a path component is empty"],
    ["acme/app/", "a path component is empty"],
    ["acme/app.-x", 'path component "app.-x" must be lowercase letters and digits, joined by ".", "_", "__" or dashes'],
    ["acme/___x", 'path component "___x"'],
    ["reg-.test/app", 'invalid registry "reg-.test" in image reference "reg-.test/app": a host name is dot-separated labels'],
    ["reg.test:99999/app", 'the port "99999" is not a number from 1 to 65535'],
    ["reg.test:/app", 'the port "" is not a number'],
    ["[::1/app", "an IPv6 address is hex digits and colons in [brackets]"],
    [`acme/${"a".repeat(251)}`, "the name is 256 characters, at most 255 are allowed"],
    [" python", 'invalid image reference " python"'],
  ])("refuses %s", (ref, message) => {
    expect(refusal(() => parseImageReference(ref))).toContain(message);
  });

  it.each(IMAGE_REFERENCES.shapes)("examines each character of a long reference a bounded number of times: %s", (_what, make) => {
    expectLinearWork(IMAGE_REFERENCES, make);
  });
});

describe("Linux platforms", () => {
  it.each([
    ["linux/amd64", "linux/amd64"],
    ["amd64", "linux/amd64"],
    ["x86_64", "linux/amd64"],
    ["linux/amd64/v1", "linux/amd64"],
    ["linux/amd64/v3", "linux/amd64/v3"],
    ["aarch64", "linux/arm64"],
    ["linux/arm64/v8", "linux/arm64"],
    ["linux/arm64/8", "linux/arm64"],
    ["linux/arm64/v9.0", "linux/arm64/v9"],
    ["arm", "linux/arm/v7"],
    ["linux/arm/6", "linux/arm/v6"],
    ["armhf", "linux/arm/v7"],
    ["LINUX/S390X", "linux/s390x"],
    ["i386", "linux/386"],
    ["linux/riscv64", "linux/riscv64"],
    ["linux/loong64", "linux/loong64"],
  ])("%s is %s", (spec, id) => {
    expect(formatPlatform(parseLinuxPlatform(spec))).toBe(id);
  });

  it.each([
    ["foo", 'platform "foo": unknown architecture "foo"; known: amd64, arm64, arm, 386, ppc64le, ppc64, s390x, riscv64, mips64le, mips64, mipsle, mips, loong64'],
    ["../..", 'platform "../..": unknown operating system ".."; use linux/<arch>, e.g. linux/amd64'],
    ["linux/...", 'platform "linux/...": unknown architecture "..."'],
    ["windows/amd64", 'platform "windows/amd64": this frontend builds Linux images only, not windows ones; use linux/<arch>'],
    ["darwin/arm64", "this frontend builds Linux images only, not darwin ones"],
    ["linux/arm/v9", 'platform "linux/arm/v9": unknown variant "v9" for arm; known: v5, v6, v7, v8'],
    ["linux/amd64/v5", 'unknown variant "v5" for amd64; known: v1, v2, v3, v4'],
    ["linux/386/v2", 'unknown variant "v2" for 386; 386 has no variants'],
    ["linux//amd64", 'invalid platform "linux//amd64": expected os/arch[/variant]'],
    ["linux/amd64/v1/extra", 'invalid platform "linux/amd64/v1/extra": expected os/arch[/variant]'],
  ])("refuses %s", (spec, message) => {
    expect(refusal(() => parseLinuxPlatform(spec))).toContain(message);
  });

  it("normalizes spellings of one platform to one ID, as the gateway's parsePlatform does", () => {
    const spellings = ["linux/amd64", "x86_64", "linux/x86-64", "linux/amd64/v1", "aarch64", "linux/arm64/v8", "arm", "linux/arm/v7", "armhf"];
    const ids = (parse: (s: string) => ReturnType<typeof parsePlatform>) => [...new Set(spellings.map((s) => formatPlatform(parse(s))))];
    expect(ids(parseLinuxPlatform)).toEqual(["linux/amd64", "linux/arm64", "linux/arm/v7"]);
    expect(ids(parsePlatform)).toEqual(ids(parseLinuxPlatform));
  });

  it("cuts a very long platform in its message", () => {
    expect(refusal(() => parseLinuxPlatform("linux/" + "x".repeat(5000)))).toMatch(/unknown architecture "x{60}"… \(5000 characters\)/);
  });

  it.each(PLATFORMS.shapes)("examines each character of a long platform a bounded number of times: %s", (_what, make) => {
    expectLinearWork(PLATFORMS, make);
  });
});
