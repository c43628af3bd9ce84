import { describe, expect, it } from "vitest";
import { requirementIncludes } from "../../../frontend/gateway/requirements.js";

describe("requirements includes", () => {
  it("finds -r, --requirement, -c and --constraint relative to the including file", () => {
    const text = ["six==1.16", "-r base.txt", "--requirement=pins/more.txt", "-c ../constraints.txt  # comment", "--constraint  c2.txt", "# -r ignored.txt", "-e ./pkg"].join("\n");
    expect(requirementIncludes("deps/requirements.txt", text)).toEqual(["deps/base.txt", "deps/pins/more.txt", "constraints.txt", "deps/c2.txt"]);
  });

  it("leaves URLs to pip", () => {
    expect(requirementIncludes("r.txt", "-r https://example.test/r.txt\n")).toEqual([]);
  });

  it("refuses includes that leave the context", () => {
    expect(() => requirementIncludes("r.txt", "-r ../../etc/x\n")).toThrow('r.txt includes "../../etc/x", which is outside the build context');
  });
});
