import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { parseArgs } from "../../../client/cli/args.js";
import { parseAddress } from "../../../client/src/address.js";
import { repoRoot } from "../../support/paths.js";

const docs = (f: string) => YAML.parseAllDocuments(readFileSync(join(repoRoot, "deploy/kubernetes", f), "utf8")).map((d) => d.toJS());

describe("deploy/kubernetes", () => {
  it("the example Job's arguments and config map are what imagespec-build accepts, naming every pod of the fleet", () => {
    const [configMap, job] = docs("build-job.yaml");
    const container = job.spec.template.spec.containers[0];
    expect(container.args[0]).toBe("build");
    const parsed = parseArgs(container.args.slice(1), { ...configMap.data, IMAGESPEC_FRONTEND_IMAGE: "img" });
    if (parsed.kind !== "build") throw new Error(parsed.kind);
    const [, , statefulSet] = docs("buildkitd.yaml");
    const pods = Array.from({ length: statefulSet.spec.replicas }, (_, i) => `tcp://${statefulSet.metadata.name}-${i}.${statefulSet.spec.serviceName}:1234`);
    expect(parsed.args.buildkit).toEqual(pods);
    for (const a of parsed.args.buildkit) expect(parseAddress(a, {}, { serverName: "buildkitd" }).kind).toBe("tcp");
    expect(parsed.args).toMatchObject({ defaultRepository: "registry.example.com/images", auth: "docker", tlsDir: "/certs", tls: { serverName: "buildkitd" } });
  });

  it("the fleet listens where the Job dials, with mTLS", () => {
    const [service, , statefulSet] = docs("buildkitd.yaml");
    expect(service.spec.clusterIP).toBe("None");
    const args: string[] = statefulSet.spec.template.spec.containers[0].args;
    expect(args).toContain(`--addr=tcp://0.0.0.0:${service.spec.ports[0].port}`);
    expect(args).toEqual(expect.arrayContaining(["--tlscacert=/certs/ca.pem", "--tlscert=/certs/cert.pem", "--tlskey=/certs/key.pem"]));
  });
});
