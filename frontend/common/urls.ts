/** URLs as they may be shown or recorded: without credentials. */

/**
 * `url` without user info, query or fragment (where index tokens and `#sha256=` live); undefined
 * when it is not an absolute URL.
 */
export function withoutCredentials(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  u.username = "";
  u.password = "";
  u.search = "";
  u.hash = "";
  return u.toString();
}
