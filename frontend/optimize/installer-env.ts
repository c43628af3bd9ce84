/**
 * The env a wheel's install step runs with: the Python environment's, plus the variables of the
 * spec's env that pip or uv read (their own settings, proxies, CA bundles). Everything else in
 * the spec's env cannot change what installing a wheel writes, so it stays out of the step.
 */
import type { Env } from "../plan/plan.js";

const READ_BY_INSTALLERS = /^(PIP_|UV_|PYTHONHTTPSVERIFY$|SSL_CERT_(FILE|DIR)$|REQUESTS_CA_BUNDLE$|CURL_CA_BUNDLE$|(HTTPS?|ALL|NO)_PROXY$)/i;

export function installerEnv(pythonEnv: Env, specEnv: Env): Env {
  const out = new Map(pythonEnv.map(([k, v]) => [k, v]));
  for (const [k, v] of specEnv) if (READ_BY_INSTALLERS.test(k)) out.set(k, v);
  return [...out];
}
