import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { livePrinter } from "../../../client/src/progress/live.js";

describe("livePrinter", () => {
  // The redraw timer is advanced by hand: no test waits on the wall clock.
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("redraws running steps in place and leaves finished ones above", async () => {
    let out = "";
    const stream = { columns: 80, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
    const p = livePrinter(stream);
    p.status({ vertexes: [{ digest: "a", name: "[1/2] apt-get install jq", started: { seconds: "1" } }] });
    p.status({ logs: [{ vertex: "a", msg: Buffer.from("Unpacking jq\n") }] });
    expect(out).toBe("");
    await vi.advanceTimersByTimeAsync(150);
    expect(out).toContain(" => [1/2] apt-get install jq");
    expect(out).toContain("    Unpacking jq");
    p.status({ vertexes: [{ digest: "a", name: "[1/2] apt-get install jq", started: { seconds: "1" }, completed: { seconds: "3" } }] });
    expect(out).toContain("\x1b[");
    expect(out).toContain(" => [1/2] apt-get install jq  2.0s\n");
    p.finish(false);
    expect(out).toMatch(/\[\+\] Building [\d.]+s \(1\/1\) FINISHED\n$/);
  });
});
