/** `k=v,k=v` option lists, as buildctl and buildx take them (`"a,b"` quotes a comma). */
export function parseCsvPairs(text: string, what: string): [string, string][] {
  const fields: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      fields.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (quoted) throw new Error(`${what}: unterminated quote in ${JSON.stringify(text)}`);
  fields.push(cur);
  return fields.map((f) => {
    const eq = f.indexOf("=");
    if (eq <= 0) throw new Error(`${what}: expected key=value, got ${JSON.stringify(f)}`);
    return [f.slice(0, eq).trim().toLowerCase(), f.slice(eq + 1)];
  });
}
