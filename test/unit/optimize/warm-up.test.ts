/** What the gateway solves beside optimize's first round: the entries before the first Python install. */
import { describe, expect, it } from "vitest";
import { warmUpPlan } from "../../../frontend/optimize/warm-up.js";
import type { ExecStep } from "../../../frontend/plan/plan.js";
import { planSpec } from "../../support/compile-fixture.js";

const spec = (...layers: object[]) => ({ base_image: "registry.test/python:3.11", python_version: "3.11", layers });
const pip = { pip_packages: { packages: ["requests"] } };
const apt = { apt_packages: { packages: ["jq"] } };

function resultStep(s: object) {
  const { plan } = planSpec(s);
  const warm = warmUpPlan(plan);
  if (!warm) return undefined;
  expect(warm.result.kind).toBe("step");
  return warm.steps.find((x) => warm.result.kind === "step" && x.id === warm.result.id) as ExecStep;
}

describe("warm-up plan", () => {
  it("is the apt entry (and a command) before the first Python install", () => {
    expect(resultStep(spec(apt, pip))!.args.join(" ")).toContain("apt-get");
    const cmd = resultStep(spec(apt, { commands: { cmd: ["echo hi > /hi"] } }, pip))!;
    expect(cmd.args.join(" ")).toContain("echo hi");
  });

  it("is nothing when nothing runs before the first Python install, or there is none", () => {
    expect(warmUpPlan(planSpec(spec(pip, apt)).plan)).toBeUndefined();
    expect(warmUpPlan(planSpec(spec({ env: { env_variables: { A: "1" } } }, pip)).plan)).toBeUndefined();
    expect(warmUpPlan(planSpec(spec(apt)).plan)).toBeUndefined();
  });
});
