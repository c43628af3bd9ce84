/**
 * The one time a build records: the `SOURCE_DATE_EPOCH` build arg, else the Unix epoch. The image
 * config's `created`, its history, the SBOM's `created`, the times of the files the frontend's
 * file ops write and the `SOURCE_DATE_EPOCH` its steps see all come from it, so the same inputs
 * give the same bytes whenever they are built.
 */

/** Whole seconds since 1970: the build arg when given, else 0 ("no time recorded"). */
export function epochOf(sourceDateEpoch: number | undefined): number {
  return sourceDateEpoch ?? 0;
}

/** The epoch as an RFC 3339 time in UTC without fractions (`1970-01-01T00:00:00Z`). */
export function createdFrom(sourceDateEpoch: number | undefined): string {
  return new Date(epochOf(sourceDateEpoch) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
