/** The spec and the context as the build sends them: local directories, whatever they came as. */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** The frontend refuses larger specs; so do we, before sending. */
const MAX_SPEC_BYTES = 1 << 20;

export class InputError extends Error {
  override name = "InputError";
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of process.stdin) {
    n += (c as Buffer).length;
    if (n > MAX_SPEC_BYTES) throw new InputError("the spec on standard input is larger than 1 MiB");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

async function download(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: "follow" });
  } catch (e) {
    throw new InputError(`${url}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
  }
  if (!res.ok || !res.body) throw new InputError(`${url}: HTTP ${res.status}`);
  return res;
}

/** A name for the spec file: its own when it has a plain one, else by content. */
export function specFileName(source: string, data: Uint8Array): string {
  const own = source === "-" ? "" : basename(isUrl(source) ? new URL(source).pathname : source);
  if (/^[\w][\w.-]*$/.test(own)) return own;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(data);
    return "imagespec.yaml";
  } catch {
    return "spec.pb";
  }
}

export interface SpecInput {
  data: Buffer;
  filename: string;
  /** A directory holding only the spec, sent as the `dockerfile` local. */
  dir: string;
}

export async function readSpec(source: string, work: string): Promise<SpecInput> {
  let data: Buffer;
  if (source === "-") data = await readStdin();
  else if (isUrl(source)) data = Buffer.from(await (await download(source)).arrayBuffer());
  else {
    try {
      data = await readFile(source);
    } catch (e) {
      throw new InputError(`--spec ${source}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
    }
  }
  if (data.length > MAX_SPEC_BYTES) throw new InputError(`--spec ${source}: larger than 1 MiB`);
  const filename = specFileName(source, data);
  const dir = join(work, "spec");
  await mkdir(dir);
  await writeFile(join(dir, filename), data);
  return { data, filename, dir };
}

function untar(file: string, into: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // GNU tar refuses members that climb out with "..", and drops a leading "/"; owners are ours.
    const child = spawn("tar", ["-x", "-f", file, "-C", into, "--no-same-owner", "--no-same-permissions", "--delay-directory-restore"], { stdio: ["ignore", "ignore", "pipe"] });
    const err: Buffer[] = [];
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => reject(new InputError(`cannot run tar to unpack the context: ${e.message}`)));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new InputError(`unpacking the context: ${Buffer.concat(err).toString().trim() || `tar exited ${code}`}`))));
  });
}

/** The context as a directory: as given, or a tarball (file or URL, plain or gzip) unpacked. */
export async function prepareContext(source: string, work: string): Promise<string> {
  let tarball = source;
  if (isUrl(source)) {
    tarball = join(work, "context.tar");
    const res = await download(source);
    await pipeline(Readable.fromWeb(res.body as any), createWriteStream(tarball));
  } else {
    let st;
    try {
      st = await stat(source);
    } catch {
      throw new InputError(`--context ${source}: no such file or directory`);
    }
    if (st.isDirectory()) return source;
  }
  const dir = join(work, "context");
  await mkdir(dir);
  await untar(tarball, dir);
  return dir;
}

export async function workDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "imagespec-build-"));
}
