/** A user's value quoted for a message; a very long one is cut, keeping its start and its length. */
export function shown(value: string): string {
  return value.length <= 200 ? `"${value}"` : `"${value.slice(0, 100)}…" (${value.length} characters)`;
}
