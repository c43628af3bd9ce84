/**
 * The shape of the code, checked in CI (`npm run depcheck`): the pipeline's stages import only
 * earlier ones, only lowering builds LLB, and nothing imports in a cycle.
 *   options → imagespec → plan → optimize → sbom → lower → gateway (the I/O edge)
 */
const STAGES_AFTER = {
  grammars: "imagespec|options|plan|optimize|sbom|lower|gateway|protocol",
  imagespec: "options|plan|optimize|sbom|lower|gateway|protocol",
  options: "plan|optimize|sbom|lower|gateway|protocol",
  plan: "optimize|sbom|lower|gateway|protocol",
  optimize: "sbom|lower|gateway|protocol",
  sbom: "lower|gateway|protocol",
  lower: "gateway|protocol",
  common: "grammars|imagespec|options|plan|optimize|sbom|lower|gateway|protocol",
};

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      comment: "No module may import itself through others.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "plan-and-optimize-know-no-llb",
      comment: "The plan, its optimization and the SBOM are backend-neutral: they import nothing from llb/.",
      severity: "error",
      from: { path: "^frontend/(plan|optimize|sbom)/" },
      to: { path: "^llb/" },
    },
    {
      name: "only-lower-builds-llb",
      comment: "LLB graphs are built in frontend/lower/ only; elsewhere llb/ is used for its grammars (platforms, references), caps, source maps and definition types.",
      severity: "error",
      from: { path: "^frontend/", pathNot: "^frontend/lower/" },
      to: { path: "^llb/src/(index|state|exec|file|source|mergediff|vertex)\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    ...Object.entries(STAGES_AFTER).map(([stage, later]) => ({
      name: `${stage}-imports-no-later-stage`,
      comment: `frontend/${stage}/ imports nothing from the stages after it.`,
      severity: "error",
      from: { path: `^frontend/${stage}/` },
      to: { path: `^frontend/(${later})/` },
    })),
    {
      name: "common-is-shared-by-both",
      comment: "common/ serves the frontend and the client, and imports neither.",
      severity: "error",
      from: { path: "^common/" },
      to: { path: "^(frontend|client)/" },
    },
    {
      name: "client-stands-alone",
      comment: "The client library does not import the frontend.",
      severity: "error",
      from: { path: "^client/" },
      to: { path: "^frontend/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/|^dist/" },
    tsPreCompilationDeps: true,
    // TypeScript 7 has no JavaScript API for dependency-cruiser to parse with; swc reads the same syntax.
    parser: "swc",
    combinedDependencies: false,
  },
};
