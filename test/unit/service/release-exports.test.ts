import { describe, expect, it } from "vitest";
import { pushExport, tarballExport } from "../../../service/worker/release-exports.js";

describe("a release's exporters", () => {
  it("rewrite file times to the build's epoch in the scanned tarball and in both pushes, so they are the same image", () => {
    const all = [tarballExport("reg/app:1", false, "/w/image.tar"), pushExport("reg/app", true), pushExport("reg/app:1", false)];
    for (const e of all) expect(e.attrs["rewrite-timestamp"]).toBe("true");
    expect(all.map((e) => e.type)).toEqual(["docker", "image", "image"]);
    expect(tarballExport("reg/app:1", true, "/w/image.tar")).toMatchObject({ type: "oci", dest: "/w/image.tar" });
  });

  it("pushes by digest only when asked, and never unpacks into the builder's image store", () => {
    expect(pushExport("reg/app", true).attrs).toMatchObject({ name: "reg/app", push: "true", "push-by-digest": "true", store: "false" });
    expect(pushExport("reg/app:1", false).attrs["push-by-digest"]).toBeUndefined();
  });
});
