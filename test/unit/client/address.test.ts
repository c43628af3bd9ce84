import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AddressError, formatAddress, parseAddress } from "../../../client/src/address.js";

describe("parseAddress", () => {
  it("reads unix sockets", () => {
    expect(parseAddress("unix:///run/buildkit/buildkitd.sock", {})).toEqual({ kind: "unix", path: "/run/buildkit/buildkitd.sock" });
  });

  it("reads tcp host and port, IPv6 in brackets", () => {
    expect(parseAddress("tcp://buildkitd-0.buildkitd:1234", {})).toEqual({ kind: "tcp", host: "buildkitd-0.buildkitd", port: 1234 });
    expect(parseAddress("tcp://[::1]:1234", {})).toEqual({ kind: "tcp", host: "::1", port: 1234 });
  });

  it("refuses tcp without a port, a bad port and unknown schemes", () => {
    expect(() => parseAddress("tcp://host", {})).toThrow(AddressError);
    expect(() => parseAddress("tcp://host:99999", {})).toThrow(/out of range/);
    expect(() => parseAddress("kube-pod://buildkitd-0", {})).toThrow(/kube-pod:\/\/ is not supported/);
    expect(() => parseAddress("buildkitd:1234", {})).toThrow(/expected unix/);
    expect(() => parseAddress("unix://", {})).toThrow(AddressError);
  });

  it("takes TLS files from the query, else from the defaults", () => {
    expect(parseAddress("tcp://h:1?tlscacert=/c/ca.pem&tlscert=/c/cert.pem&tlskey=/c/key.pem&tlsservername=bk", {})).toEqual({
      kind: "tcp",
      host: "h",
      port: 1,
      tls: { ca: "/c/ca.pem", cert: "/c/cert.pem", key: "/c/key.pem", serverName: "bk" },
    });
    expect(parseAddress("tcp://h:1", {}, { ca: "/d/ca.pem" })).toEqual({ kind: "tcp", host: "h", port: 1, tls: { ca: "/d/ca.pem" } });
    expect(() => parseAddress("tcp://h:1?tls=1", {})).toThrow(/unknown option "tls"/);
  });

  it("finds the files of a TLS directory under either name", () => {
    const dir = mkdtempSync(join(tmpdir(), "tls-"));
    for (const f of ["ca.crt", "tls.crt", "tls.key"]) writeFileSync(join(dir, f), "x");
    expect(parseAddress(`tcp://h:1?tlsdir=${dir}`, {})).toMatchObject({ tls: { ca: join(dir, "ca.crt"), cert: join(dir, "tls.crt"), key: join(dir, "tls.key") } });
    expect(() => parseAddress(`tcp://h:1?tlsdir=${join(dir, "none")}`, {})).toThrow(/no ca.pem/);
  });

  it("maps docker to DOCKER_HOST, with the default socket and DOCKER_CERT_PATH for TLS", () => {
    expect(parseAddress("docker", {})).toEqual({ kind: "docker", endpoint: { kind: "unix", path: "/var/run/docker.sock" } });
    expect(parseAddress("docker", { DOCKER_HOST: "unix:///tmp/d.sock" })).toEqual({ kind: "docker", endpoint: { kind: "unix", path: "/tmp/d.sock" } });
    expect(parseAddress("docker", { DOCKER_HOST: "tcp://10.0.0.1:2375" })).toEqual({ kind: "docker", endpoint: { kind: "tcp", host: "10.0.0.1", port: 2375 } });
    const dir = mkdtempSync(join(tmpdir(), "dcert-"));
    for (const f of ["ca.pem", "cert.pem", "key.pem"]) writeFileSync(join(dir, f), "x");
    expect(parseAddress("docker", { DOCKER_HOST: "tcp://d:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: dir })).toEqual({
      kind: "docker",
      endpoint: { kind: "tcp", host: "d", port: 2376, tls: { ca: join(dir, "ca.pem"), cert: join(dir, "cert.pem"), key: join(dir, "key.pem") } },
    });
    expect(parseAddress("docker+unix:///x.sock", {})).toEqual({ kind: "docker", endpoint: { kind: "unix", path: "/x.sock" } });
    expect(() => parseAddress("docker", { DOCKER_HOST: "ssh://me@host" })).toThrow(/only unix/);
  });

  it("formats addresses back into one canonical form", () => {
    for (const a of ["unix:///s.sock", "tcp://h:1", "tcp://[::1]:2", "docker+unix:///d.sock", "docker+tcp://d:2375"]) {
      expect(formatAddress(parseAddress(a, {}))).toBe(a);
    }
  });
});
