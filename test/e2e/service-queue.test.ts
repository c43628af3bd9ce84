/**
 * The build queue on a real PostgreSQL (the test cluster): priority order, claims that never
 * hand one build to two workers, leases that expire into a retry or a failure, cancel, fencing.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelBuild, getBuild, insertBuild, listBuilds, type NewBuild } from "../../service/db/builds.js";
import { advance, claimNext, expireLeases, finish, heartbeat } from "../../service/db/queue.js";
import { createTenant } from "../../service/db/tenants.js";
import { freshDatabase, type TestDatabase } from "../support/service-db.js";
import { databaseUrl } from "./service-env.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await freshDatabase(databaseUrl());
  await createTenant(db.pool, { id: "alpha", defaultPriority: 0, maxPriority: 10 });
  await createTenant(db.pool, { id: "beta", defaultPriority: 0, maxPriority: 10 });
});
afterAll(async () => db?.drop());

function newBuild(o: Partial<NewBuild> = {}): NewBuild {
  return {
    id: randomUUID(),
    tenantId: "alpha",
    idempotencyKey: undefined,
    spec: Buffer.from("base_image: x\n"),
    specFilename: "imagespec.yaml",
    contextId: undefined,
    contextUrl: "http://127.0.0.1:1/ctx.tar",
    target: "127.0.0.1:5000/q/app:1",
    platforms: [],
    frontendOptions: {},
    secretsSealed: undefined,
    secretIds: [],
    priority: 0,
    timeoutSeconds: 60,
    maxAttempts: 2,
    ...o,
  };
}

/** Moves every lease of the database into the past, as if its worker had stopped heartbeating. */
const ageLeases = () => db.pool.query("UPDATE builds SET lease_expires_at = now() - interval '1 second' WHERE lease_expires_at IS NOT NULL");
const drain = async () => {
  for (;;) {
    const j = await claimNext(db.pool, "drain", 60);
    if (!j) return;
    await finish(db.pool, j, { state: "succeeded" });
  }
};

describe("build queue", () => {
  it("claims the highest priority first, then the oldest", async () => {
    await drain();
    const low1 = await insertBuild(db.pool, newBuild({ priority: 0 }));
    const low2 = await insertBuild(db.pool, newBuild({ priority: 0 }));
    const high = await insertBuild(db.pool, newBuild({ priority: 5 }));
    const order = [];
    for (let i = 0; i < 3; i++) {
      const j = (await claimNext(db.pool, "w", 60))!;
      order.push(j.id);
      await finish(db.pool, j, { state: "succeeded", result: "r" });
    }
    expect(order).toEqual([high.build.id, low1.build.id, low2.build.id]);
    expect(await claimNext(db.pool, "w", 60)).toBeUndefined();
  });

  it("hands each build to exactly one of many concurrent claimers", async () => {
    await drain();
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add((await insertBuild(db.pool, newBuild())).build.id);
    const claimed: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (;;) {
          const j = await claimNext(db.pool, `w${w}`, 60);
          if (!j) return;
          claimed.push(j.id);
          await finish(db.pool, j, { state: "succeeded" });
        }
      }),
    );
    expect(claimed.length).toBe(30);
    expect(new Set(claimed)).toEqual(ids);
  });

  it("the same idempotency key gives back the same build", async () => {
    const a = await insertBuild(db.pool, newBuild({ idempotencyKey: "k-1" }));
    const b = await insertBuild(db.pool, newBuild({ idempotencyKey: "k-1", target: "127.0.0.1:5000/q/other:2" }));
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.build.id).toBe(a.build.id);
    expect(b.build.target).toBe("127.0.0.1:5000/q/app:1");
    // Another tenant's key of the same name is its own.
    const c = await insertBuild(db.pool, newBuild({ idempotencyKey: "k-1", tenantId: "beta" }));
    expect(c.created).toBe(true);
  });

  it("an expired lease puts the build back once, then fails it with the reason; the lost worker is fenced off", async () => {
    await drain();
    const { build } = await insertBuild(db.pool, newBuild({ maxAttempts: 2 }));
    const first = (await claimNext(db.pool, "worker-a", 60))!;
    expect(first.attempt).toBe(1);
    expect((await heartbeat(db.pool, first, 60)).held).toBe(true);
    await ageLeases();
    const expired = await expireLeases(db.pool);
    expect(expired).toEqual([{ id: build.id, state: "queued", reason: expect.stringContaining("worker worker-a was lost during attempt 1 of 2") }]);
    // The lost worker comes back: nothing it does counts any more.
    expect(await heartbeat(db.pool, first, 60)).toEqual({ held: false });
    expect(await advance(db.pool, first, "pushing")).toBe(false);
    expect(await finish(db.pool, first, { state: "succeeded", result: "stale" })).toBe(false);

    const second = (await claimNext(db.pool, "worker-b", 60))!;
    expect(second.id).toBe(build.id);
    expect(second.attempt).toBe(2);
    await ageLeases();
    const again = await expireLeases(db.pool);
    expect(again[0]!.state).toBe("failed");
    const row = (await getBuild(db.pool, "alpha", build.id))!;
    expect(row.state).toBe("failed");
    expect(row.reason).toMatch(/attempt 2 of 2.*no attempts left/);
    expect(row.finishedAt).not.toBeNull();
    expect(await expireLeases(db.pool)).toEqual([]);
  });

  it("cancel: a queued build ends at once; a running one is flagged to its worker's heartbeat", async () => {
    await drain();
    const queued = await insertBuild(db.pool, newBuild());
    const c = await cancelBuild(db.pool, "alpha", queued.build.id);
    expect(c!.state).toBe("cancelled");
    expect(await claimNext(db.pool, "w", 60)).toBeUndefined();

    const running = await insertBuild(db.pool, newBuild());
    const job = (await claimNext(db.pool, "w", 60))!;
    expect((await cancelBuild(db.pool, "alpha", running.build.id))!.state).toBe("running");
    expect(await heartbeat(db.pool, job, 60)).toEqual({ held: true, cancelRequested: true });
    expect(await finish(db.pool, job, { state: "cancelled", reason: "cancelled while running" })).toBe(true);
    expect((await getBuild(db.pool, "alpha", running.build.id))!.state).toBe("cancelled");
    // Cancelling an ended build changes nothing.
    expect((await cancelBuild(db.pool, "alpha", running.build.id))!.state).toBe("cancelled");
  });

  it("a tenant reads and cancels only its own builds", async () => {
    const { build } = await insertBuild(db.pool, newBuild({ tenantId: "beta" }));
    expect(await getBuild(db.pool, "alpha", build.id)).toBeUndefined();
    expect(await cancelBuild(db.pool, "alpha", build.id)).toBeUndefined();
    expect((await getBuild(db.pool, "beta", build.id))!.state).toBe("queued");
  });

  it("lists newest first, page by page, with no overlap, filtered by state", async () => {
    await createTenant(db.pool, { id: "gamma", defaultPriority: 0, maxPriority: 0 });
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await insertBuild(db.pool, newBuild({ tenantId: "gamma" }))).build.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listBuilds(db.pool, "gamma", { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.builds.map((b) => b.id));
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...made].reverse());
    await cancelBuild(db.pool, "gamma", made[0]!);
    const cancelled = await listBuilds(db.pool, "gamma", { limit: 10, state: "cancelled" });
    expect(cancelled.builds.map((b) => b.id)).toEqual([made[0]]);
  });
});
