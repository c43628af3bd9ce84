/**
 * `build`: the image's BuildKit client (imagespec-build), a bundle of its own beside this one,
 * loaded only for this command so the frontend's start-up does not pay for it.
 */
import { createRequire } from "node:module";
import { resolve } from "node:path";

export async function runBuildCommand(args: string[]): Promise<number> {
  // The running script (the image's boot.cjs, or dist/frontend.cjs) sits beside the client bundle.
  const load = createRequire(resolve(process.argv[1] ?? "."));
  const client = load("./imagespec-build.cjs") as { main(argv: string[]): Promise<number> };
  return client.main(args);
}
