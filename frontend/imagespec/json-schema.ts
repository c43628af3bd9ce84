/**
 * A JSON Schema (draft 2020-12) of the spec, generated from the same message shapes the decoder
 * uses, accepting both proto (snake_case) and protobuf-JSON (lowerCamelCase) names. Editors use
 * it for completion and inline errors; the frontend's own checks go further (paths, PEP 508…).
 */
import { jsonName, MESSAGES, type FieldKind, type MessageName } from "./schema.js";

type Schema = Record<string, unknown>;

function fieldSchema(kind: FieldKind): Schema {
  switch (kind.type) {
    case "string":
      return { type: "string" };
    case "bool":
      return { type: "boolean" };
    case "strings":
      return { type: "array", items: { type: "string" } };
    case "stringMap":
      return { type: "object", additionalProperties: { type: "string" } };
    case "enum":
      return { enum: [...kind.values, ...kind.values.map((_, i) => i)] };
    case "message":
      return { $ref: `#/$defs/${kind.message}` };
    case "messages":
      return { type: "array", items: { $ref: `#/$defs/${kind.message}` } };
  }
}

/** One of the two spellings of a field must be present. */
const eitherName = (f: string): Schema => (jsonName(f) === f ? { required: [f] } : { anyOf: [{ required: [f] }, { required: [jsonName(f)] }] });

function messageSchema(name: MessageName, extras: Record<string, Schema> = {}): Schema {
  const shape = MESSAGES[name];
  const properties: Record<string, Schema> = { ...extras };
  for (const [f, kind] of Object.entries(shape.fields)) {
    properties[f] = fieldSchema(kind);
    if (jsonName(f) !== f) properties[jsonName(f)] = fieldSchema(kind);
  }
  const out: Schema = { type: "object", properties, additionalProperties: false };
  if (shape.description) out.description = shape.description;
  const all: Schema[] = (shape.required ?? []).map(eitherName);
  if (shape.oneof) {
    out.minProperties = 1;
    out.maxProperties = 1;
    all.push({ oneOf: shape.oneof.map(eitherName) });
  }
  if (all.length > 0) out.allOf = all;
  return out;
}

export function specJsonSchema(): Schema {
  const defs: Record<string, Schema> = {};
  for (const name of Object.keys(MESSAGES) as MessageName[]) if (name !== "ImageSpec") defs[name] = messageSchema(name);
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: "https://imagespec.dev/schema/imagespec.schema.json",
    title: "ImageSpec (flyteidl2.imagebuilder.ImageSpec)",
    ...messageSchema("ImageSpec", {
      syntax: { type: "string", description: "BuildKit frontend image to route the build to (ignored by the spec)" },
      $schema: { type: "string" },
    }),
    $defs: defs,
  };
}
