/**
 * A scanner's answer: its exit code and JSON report, and a one-line summary of the report for a
 * failed build's reason. Scanners differ in their report's shape; the summary counts findings
 * by severity wherever they carry one (trivy's Severity, snyk's severity), else uses the
 * report's own `summary` text, else says how many bytes it had.
 */

export interface ScanResult {
  exitCode: number;
  /** The report's bytes, as the scanner wrote them (undefined: it wrote none). */
  report: Buffer | undefined;
  summary: string;
}

const SEVERITY_ORDER = ["CRITICAL", "HIGH", "MEDIUM", "MODERATE", "LOW", "NEGLIGIBLE", "INFO", "UNKNOWN"];

function countSeverities(v: unknown, counts: Map<string, number>, depth: number): void {
  if (depth > 12 || v === null || typeof v !== "object") return;
  if (Array.isArray(v)) {
    for (const x of v) countSeverities(x, counts, depth + 1);
    return;
  }
  const o = v as Record<string, unknown>;
  const sev = o.severity ?? o.Severity;
  if (typeof sev === "string" && sev.length > 0 && sev.length < 32) {
    const k = sev.toUpperCase();
    counts.set(k, (counts.get(k) ?? 0) + 1);
    return;
  }
  for (const x of Object.values(o)) countSeverities(x, counts, depth + 1);
}

function rank(sev: string): number {
  const i = SEVERITY_ORDER.indexOf(sev);
  return i < 0 ? SEVERITY_ORDER.length : i;
}

/** The report's summary in one line (at most ~300 characters). */
export function summarize(report: Buffer | undefined): string {
  if (!report) return "the scanner wrote no /shared/scan-report.json";
  let parsed: unknown;
  try {
    parsed = JSON.parse(report.toString("utf8"));
  } catch {
    return `the scanner's report is not JSON (${report.length} bytes)`;
  }
  const counts = new Map<string, number>();
  countSeverities(parsed, counts, 0);
  if (counts.size > 0) {
    const parts = [...counts].sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0])).map(([k, n]) => `${n} ${k}`);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    return `${total} finding${total === 1 ? "" : "s"}: ${parts.join(", ")}`;
  }
  const own = (parsed as { summary?: unknown } | null)?.summary;
  if (typeof own === "string" && own.trim()) return own.trim().replace(/\s+/g, " ").slice(0, 300);
  return `no findings with a severity in the report (${report.length} bytes)`;
}

/** The exit code the wrapper recorded (a missing or odd file: the scan did not complete). */
export function parseExitCode(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  return /^\d{1,3}$/.test(t) ? Number(t) : undefined;
}

export function scanFailureReason(r: ScanResult): string {
  return `scan failed: the scanner exited with ${r.exitCode}; ${r.summary}; nothing was pushed (GET …/scan-report for the report)`;
}
