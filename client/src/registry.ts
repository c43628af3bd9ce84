/**
 * Asks a registry whether a tag exists (HEAD of its manifest), with the same credentials the
 * build gets: Basic, or a Bearer token from the realm the registry names.
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

export async function tagDigest(repository: string, tag: string, host: string, o: RegistryClientOptions): Promise<string | undefined> {
  const f = o.fetch ?? fetch;
  const path = repository.slice(repository.startsWith(host + "/") ? host.length + 1 : 0);
  const name = host === "docker.io" && !path.includes("/") ? `library/${path}` : path;
  const dial = apiHost(host);
  const plainOk = o.insecure || isLoopback(dial);

  const head = async (scheme: string, authorization?: string) =>
    f(`${scheme}://${dial}/v2/${name}/manifests/${encodeURIComponent(tag)}`, {
      method: "HEAD",
      headers: { Accept: MANIFEST_TYPES, ...(authorization ? { Authorization: authorization } : {}) },
      redirect: "follow",
    });

  let scheme = "https";
  let res: Response;
  try {
    res = await head(scheme);
  } catch (e) {
    if (!plainOk) throw new RegistryError(`${dial}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
    scheme = "http";
    res = await head(scheme);
  }
  if (res.status === 401) {
    const challenge = parseChallenge(res.headers.get("www-authenticate") ?? "");
    const creds = await o.auth.credentials(host === "docker.io" ? dial : host);
    let authorization: string | undefined;
    if (challenge.scheme === "basic") {
      if (!creds) throw new RegistryError(`${host} asks for credentials and none are configured for it`);
      authorization = "Basic " + Buffer.from(`${creds.username}:${creds.secret}`).toString("base64");
    } else if (challenge.scheme === "bearer") {
      const realm = challenge.params.realm;
      if (!realm) throw new RegistryError(`${host}: a Bearer challenge without a realm`);
      const url = new URL(realm);
      if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
      url.searchParams.set("scope", challenge.params.scope ?? `repository:${name}:pull`);
      const headers: Record<string, string> = creds
        ? { Authorization: "Basic " + Buffer.from(`${creds.username || "<token>"}:${creds.secret}`).toString("base64") }
        : {};
      const tr = await f(url, { headers });
      if (!tr.ok) throw new RegistryError(`${host}: the token service answered ${tr.status}${creds ? "" : " (no credentials are configured for it)"}`);
      const body = (await tr.json()) as { token?: string; access_token?: string };
      authorization = `Bearer ${body.token ?? body.access_token ?? ""}`;
    } else throw new RegistryError(`${host}: unsupported authentication ${JSON.stringify(challenge.scheme)}`);
    res = await head(scheme, authorization);
    if (res.status === 401 || res.status === 403) throw new RegistryError(`${host}: access to ${name} denied (${res.status}) with the configured credentials`);
  }
  if (res.status === 404) return undefined;
  if (!res.ok) throw new RegistryError(`${host}: HEAD of ${name}:${tag} answered ${res.status}`);
  const digest = res.headers.get("docker-content-digest");
  if (!digest) throw new RegistryError(`${host}: the manifest of ${name}:${tag} came without a Docker-Content-Digest`);
  return digest;
}
