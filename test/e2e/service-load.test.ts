/**
 * 50 builds submitted at once by 3 tenants to one service with two workers on this machine's
 * engine: all end, none is lost or run twice, each tenant lists only its own. Prints the
 * throughput and the queue wait (claim time minus submit time, from the database's clock).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { baseImage, engineEnv, frontendImage, registry } from "./harness.js";
import { databaseUrl } from "./service-env.js";
import { api, ended, startService, type TestService } from "./service-support.js";

const token = `${process.pid}-${Date.now()}`;
const TENANTS = ["t-one", "t-two", "t-three"];
let svc: TestService;

beforeAll(async () => {
  svc = await startService({ databaseUrl: databaseUrl(), engineEnv: engineEnv() as Record<string, string>, frontendImage: frontendImage(), tenants: TENANTS, workers: 2 });
});
afterAll(async () => svc?.close());

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

describe("build service under load", () => {
  it("50 builds from 3 tenants at once: all succeed, each once, each tenant sees only its own", async () => {
    const submitted = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const tenant = TENANTS[i % 3]!;
        const r = await api(svc, tenant).submit({
          spec: JSON.stringify({ base_image: baseImage(), layers: [{ commands: { cmd: [`echo load-${token}-${i}`] } }] }),
          target: `${registry()}/svc-load/${tenant}:${token}-${i}`,
        });
        expect(r.status).toBe(202);
        return { tenant, id: r.body.id as string };
      }),
    );
    const results = await Promise.all(submitted.map((s) => api(svc, s.tenant).waitFor(s.id, ended, 1000)));
    for (const b of results) expect(b.state, b.reason).toBe("succeeded");
    // Each ran exactly once: one claim, one attempt header in its log.
    for (const [i, b] of results.entries()) {
      expect(b.attempts).toBe(1);
      const log = await (await fetch(`${svc.url}/v1/builds/${b.id}/logs`, { headers: { authorization: `Bearer ${svc.tokens[submitted[i]!.tenant]}` } })).text();
      expect(log.match(/^--- attempt /gm)?.length).toBe(1);
    }
    for (const t of TENANTS) {
      const listed = await api(svc, t).get("/v1/builds?limit=200");
      const mine = submitted.filter((s) => s.tenant === t).map((s) => s.id).sort();
      expect(listed.builds.map((b: { id: string }) => b.id).sort()).toEqual(mine);
    }
    expect(svc.workers.reduce((n, w) => n + w.ended.succeeded, 0)).toBe(50);

    const r = await svc.db.pool.query(
      `SELECT extract(epoch FROM claimed_at - created_at) AS wait, extract(epoch FROM (SELECT max(finished_at) - min(created_at) FROM builds)) AS span FROM builds`,
    );
    const waits = r.rows.map((x) => Number(x.wait)).sort((a, b) => a - b);
    const span = Number(r.rows[0].span);
    process.stderr.write(
      `service load: 50 builds, 3 tenants, 2 workers: ${span.toFixed(1)} s from first submit to last end, ${((50 / span) * 60).toFixed(1)} builds/min; queue wait p50 ${pct(waits, 50).toFixed(1)} s, p95 ${pct(waits, 95).toFixed(1)} s\n`,
    );
  });
});
