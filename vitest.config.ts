import { defineConfig, type Plugin } from "vitest/config";
import { protoDescriptor, VIRTUAL_ID } from "./scripts/proto-descriptor.mjs";

/** Serves the .proto descriptor the same way the esbuild bundle inlines it. */
function protoDescriptorPlugin(): Plugin {
  const resolved = "\0" + VIRTUAL_ID;
  return {
    name: "proto-descriptor",
    resolveId: (id) => (id === VIRTUAL_ID ? resolved : undefined),
    load: (id) => (id === resolved ? `export default ${JSON.stringify(protoDescriptor("proto"))};` : undefined),
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
