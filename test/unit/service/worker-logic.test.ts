import { describe, expect, it } from "vitest";
import { abortReason, failureReason } from "../../../service/worker/failure.js";
import { frontendAttrs, showsPush } from "../../../service/worker/execute.js";
import { prepareBuild, RequestError } from "../../../service/api/submit.js";

describe("failure reasons", () => {
  it("say what kind of failure it was", () => {
    expect(failureReason("invalid image spec: spec.yaml:3:1: layers: …")).toMatch(/^spec error: invalid image spec: spec.yaml:3:1/);
    expect(failureReason("failed to push 127.0.0.1:5000/x:1: 401 Unauthorized")).toMatch(/^push denied: /);
    expect(failureReason("no BuildKit answered:\n  docker: refused")).toMatch(/^no BuildKit available: /);
    expect(failureReason("context: the link \"a\" -> \"..\" leads out of the context")).toBe('bad context: the link "a" -> ".." leads out of the context');
    expect(failureReason("process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3")).toMatch(/^build failed: .*exit code: 3/);
    expect(abortReason("timeout", 90)).toBe("timeout: the build ran longer than its 90 s limit and was stopped");
  });
});

describe("frontend options of a build", () => {
  it("the operator's settings win over the build's, and the service sets the network", () => {
    const attrs = frontendAttrs(
      { specFilename: "spec.pb", platforms: ["linux/amd64", "linux/arm64"], frontendOptions: { installer: "pip", "base-image-deny": "user-value" } },
      { network: "host", operatorOptions: { "base-image-deny": "docker.io/*" } },
    );
    expect(attrs).toEqual({ installer: "pip", "base-image-deny": "docker.io/*", filename: "spec.pb", platform: "linux/amd64,linux/arm64", "force-network-mode": "host" });
  });
  it("the pushing phase is seen in the export vertex or a push status", () => {
    expect(showsPush({ vertexes: [{ name: "exporting to image", started: {} }] })).toBe(true);
    expect(showsPush({ vertexes: [{ name: "exporting to image" }] })).toBe(false);
    expect(showsPush({ statuses: [{ ID: "pushing layers" }] })).toBe(true);
    expect(showsPush({ vertexes: [{ name: "[1/3] RUN true", started: {} }] })).toBe(false);
  });
});

describe("a build request", () => {
  const tenant = { id: "t", defaultPriority: 1, maxPriority: 3 };
  const s = { defaultRepository: "127.0.0.1:5000/team", defaultTimeoutSeconds: 600, maxTimeoutSeconds: 3600, maxAttempts: 2, secretKey: undefined };
  const spec = "base_image: 127.0.0.1:5000/debian-python:3.11-bookworm\n";
  it("completes bare names, takes the tenant's priority, the header's idempotency key", () => {
    const b = prepareBuild({ spec, target: "app:1" }, tenant, s, "key-1");
    expect(b.target).toBe("127.0.0.1:5000/team/app:1");
    expect(b.priority).toBe(1);
    expect(b.idempotencyKey).toBe("key-1");
    expect(b.specFilename).toBe("imagespec.yaml");
    const pb = prepareBuild({ specBase64: Buffer.from(spec).toString("base64"), specFilename: "imagespec.yaml", target: "app" }, tenant, s);
    expect(pb.spec.toString()).toBe(spec);
    expect(pb.target).toBe("127.0.0.1:5000/team/app");
  });
  it("sbom: true asks the frontend for its SBOM (attest:sbom); a generator given as an option is kept", () => {
    expect(prepareBuild({ spec, target: "app:1", sbom: true }, tenant, s).frontendOptions).toEqual({ "attest:sbom": "" });
    expect(prepareBuild({ spec, target: "app:1", sbom: false }, tenant, s).frontendOptions).toEqual({});
    const own = { "attest:sbom": "generator=reg/scanner:1" };
    expect(prepareBuild({ spec, target: "app:1", sbom: true, frontendOptions: own }, tenant, s).frontendOptions).toEqual(own);
    // The request's own object is not changed.
    const opts = { installer: "pip" };
    prepareBuild({ spec, target: "app:1", sbom: true, frontendOptions: opts }, tenant, s);
    expect(opts).toEqual({ installer: "pip" });
  });
  it("refuses with the field named", () => {
    const bad = (r: object, h?: string) => {
      try {
        prepareBuild({ target: "app:1", ...r } as never, tenant, s, h);
      } catch (e) {
        expect(e).toBeInstanceOf(RequestError);
        return (e as Error).message;
      }
      throw new Error("accepted");
    };
    expect(bad({ spec, specBase64: "AA==" })).toMatch(/^spec: .*exactly one/);
    expect(bad({ specBase64: "***" })).toBe("specBase64: not base64");
    // Base64 bytes are read as spec.pb unless named otherwise.
    expect(bad({ specBase64: Buffer.from(spec).toString("base64") })).toMatch(/^spec: invalid image spec.*spec\.pb/s);
    expect(bad({ spec, secrets: { a: "b" } })).toMatch(/^secrets: this service has no SERVICE_SECRET_KEY/);
    expect(bad({ spec, idempotencyKey: "a" }, "b")).toMatch(/^idempotencyKey: differs/);
    expect(bad({ spec, frontendOptions: { "force-network-mode": "host" } })).toMatch(/^frontendOptions.force-network-mode: set by the service/);
    expect(bad({ spec, target: "x@sha256:00" })).toMatch(/^target: /);
  });
});
