/**
 * The Docker engine's endpoints as a stand-in: POST /grpc upgrades to h2c and serves gRPC on the
 * socket (we are the HTTP/2 client); a refused upgrade is reported with the engine's answer.
 */
import http from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { openChannel, upgradeToH2c } from "../../../client/src/connect.js";
import { ControlClient } from "../../../client/src/control.js";
import { codec } from "../../../client/src/proto.js";

const grpcServer = new grpc.Server();
const res = codec("moby.buildkit.v1.ListWorkersResponse");
const req = codec("moby.buildkit.v1.ListWorkersRequest");
grpcServer.register(
  "/moby.buildkit.v1.Control/ListWorkers",
  (_c: unknown, cb: grpc.sendUnaryData<object>) => cb(null, { record: [{ ID: "engine", Labels: { "org.mobyproject.buildkit.worker.snapshotter": "overlayfs" } }] }),
  res.encode,
  req.decode,
  "unary",
);
const injector = grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
const upgrades: http.IncomingHttpHeaders[] = [];
const engine = http.createServer((_req, r) => r.writeHead(404).end("page not found"));
engine.on("upgrade", (request: http.IncomingMessage, socket, head: Buffer) => {
  upgrades.push(request.headers);
  if (request.url !== "/grpc" || request.headers.upgrade !== "h2c") {
    socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 27\r\n\r\nno upgrade proto in request");
    return;
  }
  socket.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n");
  if (head.length) socket.unshift(head);
  injector.injectConnection(socket);
});
const sock = join(mkdtempSync(join(tmpdir(), "engine-")), "docker.sock");
await new Promise<void>((r) => engine.listen(sock, r));
afterAll(() => {
  injector.destroy();
  engine.close();
});

describe("the Docker engine's /grpc", () => {
  it("upgrades to h2c and carries the control API", async () => {
    const channel = await openChannel({ kind: "docker", endpoint: { kind: "unix", path: sock } });
    const workers = await new ControlClient(channel).listWorkers();
    channel.close();
    expect(workers[0]).toMatchObject({ ID: "engine" });
    expect(upgrades.at(-1)).toMatchObject({ connection: "Upgrade", upgrade: "h2c" });
  });

  it("sends the session headers, one Grpc-Method field per method", async () => {
    await expect(
      upgradeToH2c({ kind: "unix", path: sock }, "/session", { "X-Docker-Expose-Session-Uuid": "abc", "X-Docker-Expose-Session-Grpc-Method": ["/a/B", "/c/D"] }),
    ).rejects.toThrow("unable to upgrade /session to h2c, received 400: no upgrade proto in request");
    const h = upgrades.at(-1)!;
    expect(h["x-docker-expose-session-uuid"]).toBe("abc");
    // node's HTTP server joins repeated fields; two fields were sent.
    expect(h["x-docker-expose-session-grpc-method"]).toBe("/a/B, /c/D");
  });

  it("reports an engine that is not there", async () => {
    await expect(upgradeToH2c({ kind: "unix", path: sock + ".none" }, "/grpc")).rejects.toThrow(/ENOENT/);
  });
});
