import { defineConfig, type Plugin } from "vitest/config";
import { protoDescriptor, VIRTUAL_DESCRIPTORS } from "./scripts/proto-descriptor.mjs";

/** Serves the .proto descriptors the same way the esbuild bundles inline them. */
function protoDescriptorPlugin(): Plugin {
  return {
    name: "proto-descriptor",
    resolveId: (id) => (id in VIRTUAL_DESCRIPTORS ? "\0" + id : undefined),
    load: (id) => {
      const entryPoints = id.startsWith("\0") ? VIRTUAL_DESCRIPTORS[id.slice(1)] : undefined;
      return entryPoints ? `export default ${JSON.stringify(protoDescriptor("proto", entryPoints))};` : undefined;
    },
  };
}

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [protoDescriptorPlugin()],
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [protoDescriptorPlugin()],
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          // One engine, two cores: builds run one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
