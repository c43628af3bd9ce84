import { describe, expect, it } from "vitest";
import { pushExportAttrs } from "../../../client/cli/push-export.js";

describe("the build task's push", () => {
  it("asks the image exporter for rewrite-timestamp, without storing the image in the builder", () => {
    expect(pushExportAttrs("reg/app:1", false)).toEqual({ name: "reg/app:1", push: "true", "rewrite-timestamp": "true", store: "false" });
    expect(pushExportAttrs("reg/app:1", true)["registry.insecure"]).toBe("true");
  });
});
