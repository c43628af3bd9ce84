import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeBytesMessage } from "../../../client/src/bytes-message.js";
import { decodePacket, encodePacket, PacketType, type Packet } from "../../../client/src/filesync/wire.js";
import { Channel } from "../../../client/src/grpc/channel.js";
import { GrpcError, Status } from "../../../client/src/index.js";
import { codec } from "../../../client/src/proto.js";
import { secretStore } from "../../../client/src/secrets.js";
import { Session } from "../../../client/src/session/session.js";

const tmp = mkdtempSync(join(tmpdir(), "session-"));
const context = join(tmp, "ctx");
mkdirSync(join(context, "src"), { recursive: true });
writeFileSync(join(context, ".dockerignore"), "*.secret\n");
writeFileSync(join(context, "imagespec.yaml"), "base_image: x\n");
writeFileSync(join(context, "src", "app.py"), "print(1)\n");
writeFileSync(join(context, "src", "é.txt"), "accent\n");
writeFileSync(join(context, "key.secret"), "no\n");
const outFile = join(tmp, "out.tar");

const session = new Session({
  dirs: [{ name: "context", dir: context, dockerignore: true }],
  auth: {
    credentials: async (host) => {
      if (host === "broken.example") throw new Error("helper exploded");
      return host === "127.0.0.1:5000" ? { username: "alice", secret: "pw" } : undefined;
    },
  },
  secrets: secretStore([{ id: "tok", env: "TOK" }], { TOK: "s3cret" }),
  outputs: new Map([[1, outFile]]),
});

// The daemon's side: an HTTP/2 client on a connection the session serves.
const sock = join(tmp, "s.sock");
const server = net.createServer((c) => session.serve(c)).listen(sock);
await new Promise((r) => server.once("listening", r));
const daemon = Channel.over(net.connect(sock));
afterAll(() => {
  daemon.destroy();
  session.close();
  server.close();
});

const call = async (path: string, req: string, res: string, value: object) => codec(res).decode(await daemon.unary(path, codec(req).encode(value)));

describe("session services", () => {
  it("announces one Grpc-Method header per hosted method", () => {
    expect(session.headers()).toMatchObject({
      "X-Docker-Expose-Session-Uuid": session.id,
      "X-Docker-Expose-Session-Grpc-Method": [
        "/grpc.health.v1.Health/Check",
        "/moby.filesync.v1.Auth/Credentials",
        "/moby.buildkit.secrets.v1.Secrets/GetSecret",
        "/moby.filesync.v1.FileSync/DiffCopy",
        "/moby.filesync.v1.FileSend/DiffCopy",
      ],
    });
    expect(session.id).toMatch(/^[0-9a-z]{25}$/);
  });

  it("answers the health check as SERVING", async () => {
    expect(await call("/grpc.health.v1.Health/Check", "grpc.health.v1.HealthCheckRequest", "grpc.health.v1.HealthCheckResponse", {})).toEqual({ status: 1 });
  });

  it("gives credentials for a host, nothing for others, and UNIMPLEMENTED for token calls", async () => {
    const cred = (Host: string) => call("/moby.filesync.v1.Auth/Credentials", "moby.filesync.v1.CredentialsRequest", "moby.filesync.v1.CredentialsResponse", { Host });
    expect(await cred("127.0.0.1:5000")).toEqual({ Username: "alice", Secret: "pw" });
    expect(await cred("ghcr.io")).toEqual({});
    await expect(cred("broken.example")).rejects.toMatchObject({ code: Status.UNAVAILABLE, details: expect.stringContaining("helper exploded") });
    await expect(
      call("/moby.filesync.v1.Auth/FetchToken", "moby.filesync.v1.FetchTokenRequest", "moby.filesync.v1.FetchTokenResponse", { Host: "h" }),
    ).rejects.toMatchObject({ code: Status.UNIMPLEMENTED });
    await expect(
      call("/moby.filesync.v1.Auth/GetTokenAuthority", "moby.filesync.v1.GetTokenAuthorityRequest", "moby.filesync.v1.GetTokenAuthorityResponse", { Host: "h" }),
    ).rejects.toBeInstanceOf(GrpcError);
  });

  it("gives a secret's bytes, NOT_FOUND for an unknown id", async () => {
    const get = (ID: string) => call("/moby.buildkit.secrets.v1.Secrets/GetSecret", "moby.buildkit.secrets.v1.GetSecretRequest", "moby.buildkit.secrets.v1.GetSecretResponse", { ID });
    expect((await get("tok")).data.toString()).toBe("s3cret");
    await expect(get("nope")).rejects.toMatchObject({ code: Status.NOT_FOUND, details: "secret nope not found" });
  });

  /** Receives a directory as the daemon does: stats to the empty packet, REQ for every file, FIN. */
  async function receive(md: Record<string, string | string[]>) {
    const c = daemon.call("/moby.filesync.v1.FileSync/DiffCopy", md);
    const stats: Packet["stat"][] = [];
    const data = new Map<number, string>();
    let open = 0;
    const it = c.messages[Symbol.asyncIterator]();
    for (;;) {
      const { value, done } = await it.next();
      if (done) break;
      const p = decodePacket(value);
      if (p.type === PacketType.STAT && !p.stat) {
        for (const [i, s] of stats.entries()) {
          if ((s!.mode & 0x80000000) === 0) {
            open++;
            await c.write(encodePacket({ type: PacketType.REQ, id: i }));
          }
        }
        if (!open) await c.write(encodePacket({ type: PacketType.FIN }));
      } else if (p.type === PacketType.STAT) stats.push(p.stat);
      else if (p.type === PacketType.DATA) {
        if (p.data?.length) data.set(p.id ?? 0, (data.get(p.id ?? 0) ?? "") + Buffer.from(p.data).toString());
        else if (--open === 0) await c.write(encodePacket({ type: PacketType.FIN }));
      } else if (p.type === PacketType.FIN) {
        c.end();
      }
    }
    return { paths: stats.map((s) => s!.path), data: [...data.values()] };
  }

  it("sends a local dir over DiffCopy, honouring the daemon's patterns and the dir's .dockerignore", async () => {
    const all = await receive({ "dir-name": "context" });
    expect(all.paths).toEqual([".dockerignore", "imagespec.yaml", "src", "src/app.py", "src/é.txt"]);
    expect(all.data).toEqual(["*.secret\n", "base_image: x\n", "print(1)\n", "accent\n"]);
    const some = await receive({ "dir-name": "context", "exclude-patterns": ["src/app.py", "*.yaml"] });
    expect(some.paths).toEqual([".dockerignore", "src", "src/é.txt"]);
    const encoded = await receive({ "dir-name": "context", "followpaths": [encodeURIComponent("src/é.txt")], "followpaths-encoded": "1" });
    expect(encoded.paths).toEqual(["src", "src/é.txt"]);
  });

  it("refuses a dir it was not given", async () => {
    await expect(receive({ "dir-name": "other" })).rejects.toMatchObject({ code: Status.NOT_FOUND, details: 'no access allowed to dir "other"' });
  });

  it("writes an exporter's archive to its output file", async () => {
    const c = daemon.call("/moby.filesync.v1.FileSend/DiffCopy", { "buildkit-attachable-exporter-id": "1" });
    await c.write(encodeBytesMessage(Buffer.from("tar ")));
    await c.write(encodeBytesMessage(Buffer.from("bytes")));
    c.end();
    for await (const _ of c.messages) void _;
    expect(readFileSync(outFile, "utf8")).toBe("tar bytes");
    const none = daemon.call("/moby.filesync.v1.FileSend/DiffCopy", {});
    none.end();
    await expect((async () => { for await (const _ of none.messages) void _; })()).rejects.toMatchObject({ code: Status.NOT_FOUND });
  });
});
