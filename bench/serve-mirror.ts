/**
 * Serves the bench's package mirror until interrupted, for measuring by hand:
 *   npx tsx bench/serve-mirror.ts [--no-metadata] [--port N] [--log FILE]
 */
import { MIRROR_PORT, mirrorMissing, serveMirror } from "./mirror.js";

const argv = process.argv.slice(2);
const portAt = argv.indexOf("--port");
const port = portAt >= 0 ? Number(argv[portAt + 1]) : MIRROR_PORT;
if (!Number.isInteger(port) || port <= 0) throw new Error(`--port: not a port: ${argv[portAt + 1]}`);
const missing = mirrorMissing();
if (missing) throw new Error(`no package mirror here: ${missing}`);
const logAt = argv.indexOf("--log");
const log = logAt >= 0 ? argv[logAt + 1] : undefined;
const mirror = await serveMirror({ metadata: !argv.includes("--no-metadata"), port, ...(log ? { log } : {}) });
console.log(`serving ${mirror.url} (${mirror.metadata ? "with PEP 658 metadata and PEP 691 JSON" : "plain PEP 503, no metadata"})`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    mirror.stop();
    process.exit(0);
  });
}
