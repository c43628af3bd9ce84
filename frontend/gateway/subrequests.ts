/** Subrequests (`docker buildx build --call …`): describe is answered, the rest refused clearly. */

const DESCRIBE = "frontend.subrequests.describe";

export class UnsupportedSubrequestError extends Error {
  constructor(readonly requestId: string) {
    super(`this frontend does not support the subrequest "${requestId}" (supported: ${DESCRIBE}); run the build without --call/--check/--print`);
    this.name = "UnsupportedSubrequestError";
  }
}

export function handleSubrequest(id: string): Record<string, unknown> {
  if (id !== DESCRIBE) throw new UnsupportedSubrequestError(id);
  const list = [{ name: DESCRIBE, version: "1.0.0", type: "rpc", description: "List available subrequest types" }];
  return {
    metadata: {
      "result.json": Buffer.from(JSON.stringify(list)),
      "result.txt": Buffer.from(list.map((r) => `${r.name} - ${r.description}`).join("\n") + "\n"),
      version: Buffer.from("1.0.0"),
    },
  };
}
