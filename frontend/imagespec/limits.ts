/** Size limits of a spec's contents (the file itself is limited by MAX_SPEC_BYTES). */
export const LIMITS = { layers: 10_000, packagesPerLayer: 50_000, stringLength: 64 * 1024 } as const;
