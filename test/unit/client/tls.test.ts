/**
 * tcp:// with TLS as buildkitd serves it (mTLS: the server requires a client certificate signed
 * by its CA): a grpc-js server with certificates made by openssl answers ListWorkers.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { parseAddress } from "../../../client/src/address.js";
import { connectBuilder } from "../../../client/src/builder.js";
import { codec } from "../../../client/src/proto.js";

const dir = mkdtempSync(join(tmpdir(), "tls-"));
const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "1", "-subj", "/CN=test-ca");
function issue(name: string, cn: string, san?: string) {
  ssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}-key.pem`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, san ? `subjectAltName=${san}\n` : "extendedKeyUsage=clientAuth\n");
  ssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-out", `${name}.pem`, "-days", "1", "-extfile", ext);
}
issue("server", "buildkitd", "DNS:buildkitd");
issue("client", "client");
const read = (f: string) => readFileSync(join(dir, f));

const server = new grpc.Server();
const res = codec("moby.buildkit.v1.ListWorkersResponse");
const req = codec("moby.buildkit.v1.ListWorkersRequest");
server.register("/moby.buildkit.v1.Control/ListWorkers", (_c: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { record: [{ ID: "tls-worker" }] }), res.encode, req.decode, "unary");
const creds = grpc.ServerCredentials.createSsl(read("ca.pem"), [{ private_key: read("server-key.pem"), cert_chain: read("server.pem") }], true);
const port = await new Promise<number>((r, j) => server.bindAsync("127.0.0.1:0", creds, (e, p) => (e ? j(e) : r(p))));
afterAll(() => server.forceShutdown());

const addr = (query: string) => parseAddress(`tcp://127.0.0.1:${port}?${query}`, {});
const files = `tlscacert=${join(dir, "ca.pem")}&tlscert=${join(dir, "client.pem")}&tlskey=${join(dir, "client-key.pem")}`;

describe("tcp:// with TLS", () => {
  it("connects with the CA, a client certificate and the server name the certificate is issued to", async () => {
    const b = await connectBuilder(addr(`${files}&tlsservername=buildkitd`));
    expect(b.workers[0]!.ID).toBe("tls-worker");
    b.close();
  });

  it("refuses a server whose certificate is not for the name asked", async () => {
    await expect(connectBuilder(addr(`${files}&tlsservername=other`))).rejects.toThrow(/other|altnames|certificate/i);
  });

  it("refuses a server not signed by the given CA, and fails without a client certificate", async () => {
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-key.pem", "-out", "other-ca.pem", "-days", "1", "-subj", "/CN=other-ca");
    await expect(connectBuilder(addr(`tlscacert=${join(dir, "other-ca.pem")}&tlsservername=buildkitd`))).rejects.toThrow(/certificate/i);
    await expect(connectBuilder(addr(`tlscacert=${join(dir, "ca.pem")}&tlsservername=buildkitd`))).rejects.toThrow();
  });
});
