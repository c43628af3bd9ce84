/**
 * Reads from a registry with the same credentials the build gets (Basic, or a Bearer token from
 * the realm the registry names): whether a tag exists (HEAD of its manifest), manifests and blobs.
 */
import type { RegistryAuth } from "./auth/provider.js";

const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

export class RegistryError extends Error {
  override name = "RegistryError";
}

/** The host docker dials for a registry name (Docker Hub's API lives at registry-1.docker.io). */
function apiHost(host: string): string {
  return host === "docker.io" || host === "index.docker.io" ? "registry-1.docker.io" : host;
}

/** Registries on the loopback are spoken to over plain HTTP when TLS fails, as docker does. */
function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  return name === "localhost" || name === "::1" || /^127\./.test(name);
}

/** Parses `Bearer realm="…",service="…",scope="…"` (or Basic). */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^(\w+)\s*(.*)$/s.exec(header.trim());
  const params: Record<string, string> = {};
  for (const p of (m?.[2] ?? "").matchAll(/(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? "";
  return { scheme: (m?.[1] ?? "").toLowerCase(), params };
}

export interface RegistryClientOptions {
  auth: RegistryAuth;
  /** Also allow plain HTTP for this registry (as `registry.insecure`). */
  insecure?: boolean;
  fetch?: typeof fetch;
}

/**
 * Reads one repository of a registry: requests with the build's credentials (Basic, or a Bearer
 * token for the pull scope from the realm the registry names), HTTPS, or plain HTTP on the
 * loopback or when allowed. The authorization found for the first request is kept for the rest.
 */
export class RepositoryReader {
  private readonly f: typeof fetch;
  private readonly name: string;
  private readonly dial: string;
  private readonly plainOk: boolean;
  private scheme: "https" | "http" | undefined;
  private authorization: string | undefined;

  constructor(
    repository: string,
    private readonly host: string,
    private readonly o: RegistryClientOptions,
  ) {
    this.f = o.fetch ?? fetch;
    const path = repository.slice(repository.startsWith(host + "/") ? host.length + 1 : 0);
    this.name = host === "docker.io" && !path.includes("/") ? `library/${path}` : path;
    this.dial = apiHost(host);
    this.plainOk = Boolean(o.insecure) || isLoopback(this.dial);
  }

  /** `/v2/<name>/<path>` of the repository (`manifests/<ref>`, `blobs/<digest>`); 401 and 403 become errors naming the registry. */
  async request(method: "GET" | "HEAD", path: string, accept: string): Promise<Response> {
    const send = (scheme: string) =>
      this.f(`${scheme}://${this.dial}/v2/${this.name}/${path}`, {
        method,
        headers: { Accept: accept, ...(this.authorization ? { Authorization: this.authorization } : {}) },
        redirect: "follow",
      });
    let res: Response;
    if (this.scheme) res = await send(this.scheme);
    else {
      try {
        res = await send("https");
        this.scheme = "https";
      } catch (e) {
        if (!this.plainOk) throw new RegistryError(`${this.dial}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
        res = await send("http");
        this.scheme = "http";
      }
    }
    if (res.status === 401 && !this.authorization) {
      this.authorization = await this.authorize(res.headers.get("www-authenticate") ?? "");
      res = await send(this.scheme);
    }
    if (res.status === 401 || res.status === 403) throw new RegistryError(`${this.host}: access to ${this.name} denied (${res.status}) with the configured credentials`);
    return res;
  }

  /** A manifest or index by tag or digest, parsed, with its digest; undefined when there is none. */
  async manifest(reference: string): Promise<{ digest: string; body: Record<string, any> } | undefined> {
    const res = await this.request("GET", `manifests/${encodeURIComponent(reference)}`, MANIFEST_TYPES);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new RegistryError(`${this.host}: GET of ${this.name}@${reference} answered ${res.status}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    return { digest: res.headers.get("docker-content-digest") ?? reference, body: JSON.parse(bytes.toString("utf8")) as Record<string, any> };
  }

  async blob(digest: string): Promise<Buffer> {
    const res = await this.request("GET", `blobs/${digest}`, "*/*");
    if (!res.ok) throw new RegistryError(`${this.host}: GET of blob ${digest} of ${this.name} answered ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }

  private async authorize(header: string): Promise<string> {
    const challenge = parseChallenge(header);
    const host = this.host;
    const creds = await this.o.auth.credentials(host === "docker.io" ? this.dial : host);
    if (challenge.scheme === "basic") {
      if (!creds) throw new RegistryError(`${host} asks for credentials and none are configured for it`);
      return "Basic " + Buffer.from(`${creds.username}:${creds.secret}`).toString("base64");
    }
    if (challenge.scheme === "bearer") {
      const realm = challenge.params.realm;
      if (!realm) throw new RegistryError(`${host}: a Bearer challenge without a realm`);
      const url = new URL(realm);
      if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
      url.searchParams.set("scope", challenge.params.scope ?? `repository:${this.name}:pull`);
      const headers: Record<string, string> = creds
        ? { Authorization: "Basic " + Buffer.from(`${creds.username || "<token>"}:${creds.secret}`).toString("base64") }
        : {};
      const tr = await this.f(url, { headers });
      if (!tr.ok) throw new RegistryError(`${host}: the token service answered ${tr.status}${creds ? "" : " (no credentials are configured for it)"}`);
      const body = (await tr.json()) as { token?: string; access_token?: string };
      return `Bearer ${body.token ?? body.access_token ?? ""}`;
    }
    throw new RegistryError(`${host}: unsupported authentication ${JSON.stringify(challenge.scheme)}`);
  }

  get repositoryName(): string {
    return this.name;
  }
}

export async function tagDigest(repository: string, tag: string, host: string, o: RegistryClientOptions): Promise<string | undefined> {
  const reader = new RepositoryReader(repository, host, o);
  const res = await reader.request("HEAD", `manifests/${encodeURIComponent(tag)}`, MANIFEST_TYPES);
  if (res.status === 404) return undefined;
  if (!res.ok) throw new RegistryError(`${host}: HEAD of ${reader.repositoryName}:${tag} answered ${res.status}`);
  const digest = res.headers.get("docker-content-digest");
  if (!digest) throw new RegistryError(`${host}: the manifest of ${reader.repositoryName}:${tag} came without a Docker-Content-Digest`);
  return digest;
}
