/**
 * Dockerfile-style variable expansion for env values: `$VAR`, `${VAR}`, `${VAR:-default}`,
 * `${VAR:+alternative}`; `\$` is a literal dollar. Unset variables expand to "".
 */
export function expandVariables(value: string, lookup: (name: string) => string | undefined): string {
  let out = "";
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c === "\\" && value[i + 1] === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    if (value[i + 1] === "{") {
      const end = value.indexOf("}", i + 2);
      if (end < 0) throw new Error(`missing "}" in "${value}"`);
      const inner = value.slice(i + 2, end);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([-+])(.*))?$/s.exec(inner);
      if (!m) throw new Error(`bad substitution "\${${inner}}" in "${value}"`);
      const v = lookup(m[1]!);
      if (m[2] === "-") out += v ? v : expandVariables(m[3]!, lookup);
      else if (m[2] === "+") out += v ? expandVariables(m[3]!, lookup) : "";
      else out += v ?? "";
      i = end + 1;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i + 1));
    if (!m) {
      out += "$";
      i++;
      continue;
    }
    out += lookup(m[0]) ?? "";
    i += 1 + m[0].length;
  }
  return out;
}
