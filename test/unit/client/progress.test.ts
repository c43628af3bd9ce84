import { describe, expect, it } from "vitest";
import { plainPrinter } from "../../../client/src/progress/plain.js";

const t = (s: number) => ({ seconds: String(1_700_000_000 + Math.floor(s)), nanos: Math.round((s % 1) * 1e9) });

describe("plainPrinter", () => {
  it("numbers steps, prints logs with their offset, switches with ... and ends with DONE, CACHED or ERROR", () => {
    let out = "";
    const p = plainPrinter((s) => (out += s));
    p.status({ vertexes: [{ digest: "a", name: "[1/2] FROM base", cached: true, completed: t(0) }] });
    p.status({ vertexes: [{ digest: "b", name: "[2/2] pip install x", started: t(1) }] });
    p.status({ logs: [{ vertex: "b", timestamp: t(1.5), msg: Buffer.from("Collecting x\nInstal") }] });
    p.status({ vertexes: [{ digest: "c", name: "apt", started: t(2) }] });
    p.status({ logs: [{ vertex: "b", timestamp: t(3), msg: Buffer.from("ling x\n") }], warnings: [{ vertex: "c", short: Buffer.from("slow") }] });
    p.status({ vertexes: [{ digest: "b", name: "[2/2] pip install x", started: t(1), completed: t(4.25) }, { digest: "c", name: "apt", started: t(2), completed: t(5), error: "exit code 1" }] });
    expect(out).toBe(
      [
        "",
        "#1 [1/2] FROM base",
        "#1 CACHED",
        "",
        "#2 [2/2] pip install x",
        "#2 0.500 Collecting x",
        "#2 ...",
        "",
        "#3 apt",
        "#3 ...",
        "",
        "#2 [2/2] pip install x",
        "#2 2.000 Installing x",
        "#2 ...",
        "",
        "#3 apt",
        // Both finish in the next response, so apt is not left as "...".
        "#3 WARN: slow",
        "",
        "#2 [2/2] pip install x",
        "#2 DONE 3.3s",
        "",
        "#3 apt",
        "#3 ERROR: exit code 1",
        "",
      ].join("\n"),
    );
    out = "";
    p.finish(false);
    expect(out).toBe("");
    p.finish(true);
    expect(out).toBe("------\n > apt:\n------\n");
  });
});
