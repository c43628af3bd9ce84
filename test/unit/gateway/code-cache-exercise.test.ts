import { describe, expect, it, vi } from "vitest";
import { exerciseCompiler } from "../../../frontend/code-cache-exercise.js";
import * as lower from "../../../frontend/lower/lower.js";

describe("the compiler exercise the image's code cache is made after", () => {
  it("compiles its samples through to optimized, encoded LLB, without a failure", async () => {
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const lowered = vi.spyOn(lower, "lower");
    try {
      await exerciseCompiler();
      expect(stderr).not.toHaveBeenCalled();
      // Both samples: the warm-up, each probe and the optimized image are lowered.
      expect(lowered.mock.calls.length).toBeGreaterThanOrEqual(6);
    } finally {
      stderr.mockRestore();
      lowered.mockRestore();
    }
  });
});
