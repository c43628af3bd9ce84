/**
 * Splits a string into words the way a POSIX shell would (quotes and backslashes respected),
 * without expanding or running anything. Used for `extra_args`, which are then passed as argv.
 * `work.steps`, when given, grows by one per character examined (tests bound it to prove linear time).
 */
export function splitShellWords(input: string, work?: { steps: number }): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let i = 0;
  while (i < input.length) {
    if (work) work.steps++;
    const c = input[i]!;
    if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (work) work.steps += (end < 0 ? input.length : end) - i;
      if (end < 0) throw new Error("unterminated single quote");
      current += input.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < input.length) {
        if (work) work.steps++;
        const d = input[i]!;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === "\\" && i + 1 < input.length && '"\\$`\n'.includes(input[i + 1]!)) {
          if (input[i + 1] !== "\n") current += input[i + 1];
          i += 2;
          continue;
        }
        current += d;
        i++;
      }
      if (!closed) throw new Error("unterminated double quote");
      inWord = true;
    } else if (c === "\\") {
      if (i + 1 >= input.length) throw new Error("trailing backslash");
      if (input[i + 1] !== "\n") {
        current += input[i + 1];
        inWord = true;
      }
      i += 2;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
      i++;
    } else {
      current += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(current);
  return words;
}
