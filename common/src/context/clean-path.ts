/**
 * Go's path.Clean, which Docker applies to every ignore pattern: the shortest path naming the
 * same place. `.` segments and repeated or trailing slashes go, `a/..` pairs cancel; a `..`
 * that climbs above the start is dropped after a leading `/` and kept otherwise; "" is ".".
 */
export function cleanPath(path: string): string {
  const rooted = path.startsWith("/");
  const kept: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment !== "..") kept.push(segment);
    else if (kept.length > 0 && kept[kept.length - 1] !== "..") kept.pop();
    else if (!rooted) kept.push("..");
  }
  const body = kept.join("/");
  if (rooted) return "/" + body;
  return body || ".";
}

/** A path cleaned as if the context were the filesystem's root: nothing climbs out of it ("." for the root). */
export function cleanWithinRoot(path: string): string {
  return cleanPath("/" + path).slice(1) || ".";
}
