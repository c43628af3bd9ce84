import { describe, expect, it } from "vitest";
import { codec } from "../../../client/src/proto.js";
import { solveRequest } from "../../../client/src/solve-request.js";

describe("solveRequest", () => {
  const req = solveRequest("ref1", "sess1", {
    frontendImage: "reg/imagespec-frontend:1",
    frontendAttrs: { filename: "spec.pb", "build-arg:X": "1" },
    exports: [{ type: "image", attrs: { name: "reg/app:1", push: "true" } }],
    cacheImports: [{ type: "registry", attrs: { ref: "reg/app:cache" } }],
    cacheExports: [{ type: "registry", attrs: { ref: "reg/app:cache" } }, { type: "inline", attrs: { mode: "max" } }],
    entitlements: ["network.host"],
  });

  it("runs the frontend image as gateway.v0 without a definition", () => {
    expect(req).toMatchObject({ Ref: "ref1", Session: "sess1", Frontend: "gateway.v0", Entitlements: ["network.host"] });
    expect(req.Definition).toBeUndefined();
    expect(req.FrontendAttrs).toMatchObject({ source: "reg/imagespec-frontend:1", filename: "spec.pb", "build-arg:X": "1" });
  });

  it("passes cache imports to the frontend too, and defaults exports to mode=min", () => {
    expect(JSON.parse(req.FrontendAttrs["cache-imports"])).toEqual([{ Type: "registry", Attrs: { ref: "reg/app:cache" } }]);
    expect(req.Cache.Exports).toEqual([
      { Type: "registry", Attrs: { mode: "min", ref: "reg/app:cache" } },
      { Type: "inline", Attrs: { mode: "max" } },
    ]);
  });

  it("sends the exporters in both the list and the deprecated single fields, and encodes", () => {
    expect(req.Exporters).toEqual([{ Type: "image", Attrs: { name: "reg/app:1", push: "true" } }]);
    expect(req.ExporterDeprecated).toBe("image");
    const c = codec("moby.buildkit.v1.SolveRequest");
    expect(c.decode(c.encode(req))).toMatchObject({ Frontend: "gateway.v0", Exporters: [{ Type: "image" }], Cache: { Imports: [{ Type: "registry" }] } });
  });

  it("leaves cache-imports out when there are none", () => {
    expect(solveRequest("r", "s", { frontendImage: "f" }).FrontendAttrs).toEqual({ source: "f" });
  });
});
