/**
 * runBuild against a stand-in daemon on a unix socket: it serves Control (ListWorkers, Solve,
 * Status, Session) with grpc-js and, as BuildKit does, speaks HTTP/2 to our session server
 * through the Control.Session byte stream: health check, credentials, a secret, the context.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import http2 from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duplex } from "node:stream";
import * as grpc from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { connectBuilder, connectFirst } from "../../../client/src/builder.js";
import { runBuild } from "../../../client/src/build.js";
import { decodeBytesMessage, encodeBytesMessage } from "../../../client/src/bytes-message.js";
import { decodePacket, encodePacket, PacketType } from "../../../client/src/filesync/wire.js";
import { Channel } from "../../../client/src/grpc/channel.js";
import { codec } from "../../../client/src/proto.js";
import { secretStore } from "../../../client/src/secrets.js";

const tmp = mkdtempSync(join(tmpdir(), "fake-bk-"));
const ctx = join(tmp, "ctx");
mkdirSync(ctx);
writeFileSync(join(ctx, "imagespec.yaml"), "base_image: x\n");

const sessions = new Map<string, { channel: Channel; metadata: grpc.Metadata }>();
const seen: Record<string, any> = {};

function sessionDuplex(call: grpc.ServerDuplexStream<Buffer, Buffer>): Duplex {
  const d = new Duplex({
    write(chunk: Buffer, _e, cb) {
      call.write(chunk, cb);
    },
    read() {},
    final(cb) {
      call.end();
      cb();
    },
  });
  call.on("data", (b: Buffer) => d.push(b));
  call.on("end", () => d.push(null));
  return d;
}

const u = (name: string) => {
  const c = codec(name);
  return { s: (v: any) => c.encode(v), d: (b: Buffer) => c.decode(b) };
};

async function receiveContext(ch: Channel): Promise<string[]> {
  const c = ch.call("/moby.filesync.v1.FileSync/DiffCopy", { "dir-name": "context" });
  const paths: string[] = [];
  let open = 0;
  for await (const m of c.messages) {
    const p = decodePacket(m);
    if (p.type === PacketType.STAT && p.stat) paths.push(p.stat.path);
    else if (p.type === PacketType.STAT) {
      open = paths.length;
      for (let i = 0; i < paths.length; i++) await c.write(encodePacket({ type: PacketType.REQ, id: i }));
    } else if (p.type === PacketType.DATA && !p.data?.length && --open === 0) await c.write(encodePacket({ type: PacketType.FIN }));
    else if (p.type === PacketType.FIN) c.end();
  }
  return paths;
}

const server = new grpc.Server();
const lw = u("moby.buildkit.v1.ListWorkersRequest");
const lwr = u("moby.buildkit.v1.ListWorkersResponse");
server.register("/moby.buildkit.v1.Control/ListWorkers", (_c: any, cb: any) => cb(null, { record: [{ ID: "w0", Labels: {} }] }), lwr.s, lw.d, "unary");
const st = u("moby.buildkit.v1.StatusRequest");
const str = u("moby.buildkit.v1.StatusResponse");
server.register(
  "/moby.buildkit.v1.Control/Status",
  (call: grpc.ServerWritableStream<any, any>) => {
    seen.statusRef = call.request.Ref;
    call.write({ vertexes: [{ digest: "sha256:v1", name: "[1/1] pip install x", started: { seconds: 1 }, completed: { seconds: 2 } }] });
    call.end();
  },
  str.s,
  st.d,
  "serverStream",
);
server.register(
  "/moby.buildkit.v1.Control/Session",
  (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    const id = String(call.metadata.get("x-docker-expose-session-uuid")[0]);
    const session = http2.connect("http://localhost", { createConnection: () => sessionDuplex(call) });
    sessions.set(id, { channel: Channel.wrap(session, "localhost"), metadata: call.metadata });
  },
  encodeBytesMessage,
  decodeBytesMessage,
  "bidi",
);
const sr = u("moby.buildkit.v1.SolveRequest");
const srr = u("moby.buildkit.v1.SolveResponse");
server.register(
  "/moby.buildkit.v1.Control/Solve",
  (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
    (async () => {
      const req = call.request;
      seen.solve = req;
      const s = sessions.get(req.Session);
      if (!s) throw new Error("session not connected before Solve");
      seen.methods = s.metadata.get("x-docker-expose-session-grpc-method");
      seen.health = u("grpc.health.v1.HealthCheckResponse").d(await s.channel.unary("/grpc.health.v1.Health/Check", u("grpc.health.v1.HealthCheckRequest").s({})));
      seen.creds = u("moby.filesync.v1.CredentialsResponse").d(
        await s.channel.unary("/moby.filesync.v1.Auth/Credentials", u("moby.filesync.v1.CredentialsRequest").s({ Host: "reg:5000" })),
      );
      seen.secret = u("moby.buildkit.secrets.v1.GetSecretResponse")
        .d(await s.channel.unary("/moby.buildkit.secrets.v1.Secrets/GetSecret", u("moby.buildkit.secrets.v1.GetSecretRequest").s({ ID: "tok" })))
        .data.toString();
      seen.paths = await receiveContext(s.channel);
      if (req.FrontendAttrs.fail) throw Object.assign(new Error("frontend said no"), { code: grpc.status.UNKNOWN });
      return { ExporterResponse: { "containerimage.digest": "sha256:" + "b".repeat(64) } };
    })().then(
      (v) => cb(null, v),
      (e) => cb({ code: e.code ?? grpc.status.INTERNAL, details: e.message }),
    );
  },
  srr.s,
  sr.d,
  "unary",
);
const sock = join(tmp, "bk.sock");
await new Promise<void>((r, j) => server.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? j(e) : r())));
afterAll(() => server.forceShutdown());

const options = {
  frontendImage: "reg:5000/imagespec-frontend:test",
  frontendAttrs: { filename: "imagespec.yaml" },
  exports: [{ type: "image" as const, attrs: { name: "reg:5000/app:1", push: "true" } }],
  dirs: [{ name: "context", dir: ctx }],
  auth: { credentials: async () => ({ username: "u", secret: "p" }) },
  secrets: secretStore([{ id: "tok", env: "T" }], { T: "secret-value" }),
};

describe("runBuild against a stand-in daemon", () => {
  it("connects the session first, serves it during Solve, and returns the exporter response with progress", async () => {
    const builder = await connectBuilder({ kind: "unix", path: sock });
    const statuses: any[] = [];
    const res = await runBuild(builder, { ...options, onStatus: (s) => statuses.push(s) });
    builder.close();
    expect(res).toEqual({ "containerimage.digest": "sha256:" + "b".repeat(64) });
    expect(seen.solve).toMatchObject({ Frontend: "gateway.v0", FrontendAttrs: { source: options.frontendImage, filename: "imagespec.yaml" } });
    expect(seen.statusRef).toBe(seen.solve.Ref);
    // Sent as separate header fields; node:http2 on this side joins them with ", ".
    expect(seen.methods.flatMap((m: string) => m.split(", "))).toEqual([
      "/grpc.health.v1.Health/Check",
      "/moby.filesync.v1.Auth/Credentials",
      "/moby.buildkit.secrets.v1.Secrets/GetSecret",
      "/moby.filesync.v1.FileSync/DiffCopy",
    ]);
    expect(seen.health).toEqual({ status: 1 });
    expect(seen.creds).toEqual({ Username: "u", Secret: "p" });
    expect(seen.secret).toBe("secret-value");
    expect(seen.paths).toEqual(["imagespec.yaml"]);
    expect(statuses[0].vertexes[0].name).toBe("[1/1] pip install x");
  });

  it("rejects with the daemon's error when the solve fails", async () => {
    const builder = await connectBuilder({ kind: "unix", path: sock });
    await expect(runBuild(builder, { ...options, frontendAttrs: { fail: "1" } })).rejects.toMatchObject({ code: grpc.status.UNKNOWN, details: "frontend said no" });
    builder.close();
  });

  it("falls over to the next address when one does not answer", async () => {
    const skipped: string[] = [];
    const b = await connectFirst([{ kind: "unix", path: join(tmp, "absent.sock") }, { kind: "unix", path: sock }], (a, e) => skipped.push(`${a.kind === "unix" ? a.path : ""}: ${e.message}`));
    expect(b.address).toEqual({ kind: "unix", path: sock });
    expect(skipped[0]).toMatch(/absent\.sock.*ENOENT/);
    b.close();
    await expect(connectFirst([{ kind: "unix", path: join(tmp, "absent.sock") }])).rejects.toThrow(/no BuildKit answered/);
  });
});
