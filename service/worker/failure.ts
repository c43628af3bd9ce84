/** A failed build's reason in words a person can act on, from the error BuildKit or we raised. */

export type Abort = "cancelled" | "timeout" | "lease-lost" | "shutdown";

export function abortReason(why: Abort, timeoutSeconds: number): string {
  switch (why) {
    case "cancelled":
      return "cancelled while running; the BuildKit solve was stopped";
    case "timeout":
      return `timeout: the build ran longer than its ${timeoutSeconds} s limit and was stopped`;
    case "lease-lost":
      return "this worker lost the build's lease (the database was unreachable for longer than the lease); the build was stopped";
    case "shutdown":
      return "the worker shut down during the build";
  }
}

export function failureReason(message: string): string {
  const m = message.trim();
  if (/invalid image spec|spec error|SpecError/i.test(m)) return `spec error: ${m}`;
  if (/base image .*(denied|not allowed|refused)|base-image-(allow|deny)/i.test(m)) return `base image refused by the service's policy: ${m}`;
  if (/(push|pushing)[^\n]*(401|403|unauthorized|denied|forbidden)|(401|403|unauthorized|denied|forbidden)[^\n]*push/i.test(m)) return `push denied: ${m}`;
  if (/no BuildKit answered/i.test(m)) return `no BuildKit available: ${m}`;
  if (/^context:/.test(m)) return `bad context: ${m.replace(/^context:\s*/, "")}`;
  return `build failed: ${m}`;
}
