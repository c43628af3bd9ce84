/**
 * The ImageSpec message shapes (flyteidl2.imagebuilder), as the decoder and the JSON Schema see
 * them. Names are the proto (snake_case) names; protobuf-JSON lowerCamelCase is accepted too.
 */

export type MessageName =
  | "ImageSpec"
  | "Layer"
  | "AptPackages"
  | "PipOptions"
  | "PipPackages"
  | "Requirements"
  | "PythonWheels"
  | "UVProject"
  | "PoetryProject"
  | "Commands"
  | "WorkDir"
  | "CopyConfig"
  | "Env"
  | "Secret";

export type FieldKind =
  | { type: "string" }
  | { type: "bool" }
  | { type: "strings" }
  | { type: "stringMap" }
  | { type: "enum"; values: readonly string[] }
  | { type: "message"; message: MessageName }
  | { type: "messages"; message: MessageName };

export interface MessageShape {
  fields: Readonly<Record<string, FieldKind>>;
  /** Fields of which exactly one must be set. */
  oneof?: readonly string[];
  /** Required fields. */
  required?: readonly string[];
  description?: string;
}

const str: FieldKind = { type: "string" };
const bool: FieldKind = { type: "bool" };
const strings: FieldKind = { type: "strings" };
const secrets: FieldKind = { type: "messages", message: "Secret" };
const pipOptions: FieldKind = { type: "message", message: "PipOptions" };

export const MESSAGES: Readonly<Record<MessageName, MessageShape>> = {
  ImageSpec: {
    description: "A container image described as a base image plus ordered layers.",
    fields: {
      base_image: str,
      python_version: str,
      layers: { type: "messages", message: "Layer" },
      platform: strings,
    },
    required: ["base_image"],
  },
  Layer: {
    description: "One build step; exactly one kind must be set.",
    fields: {
      apt_packages: { type: "message", message: "AptPackages" },
      pip_packages: { type: "message", message: "PipPackages" },
      commands: { type: "message", message: "Commands" },
      requirements: { type: "message", message: "Requirements" },
      python_wheels: { type: "message", message: "PythonWheels" },
      workdir: { type: "message", message: "WorkDir" },
      copy_config: { type: "message", message: "CopyConfig" },
      uv_project: { type: "message", message: "UVProject" },
      env: { type: "message", message: "Env" },
      poetry_project: { type: "message", message: "PoetryProject" },
    },
    oneof: [
      "apt_packages",
      "pip_packages",
      "commands",
      "requirements",
      "python_wheels",
      "workdir",
      "copy_config",
      "uv_project",
      "env",
      "poetry_project",
    ],
  },
  AptPackages: { fields: { packages: strings, secret_mounts: secrets }, required: ["packages"] },
  PipOptions: { fields: { index_url: str, extra_index_urls: strings, pre: bool, extra_args: str } },
  PipPackages: { fields: { packages: strings, options: pipOptions, secret_mounts: secrets }, required: ["packages"] },
  Requirements: { fields: { file: str, options: pipOptions, secret_mounts: secrets }, required: ["file"] },
  PythonWheels: {
    fields: { dir: str, options: pipOptions, secret_mounts: secrets, package_name: str },
    required: ["dir"],
  },
  UVProject: {
    fields: { pyproject: str, uvlock: str, options: pipOptions, secret_mounts: secrets, source_dir: str },
    required: ["pyproject"],
  },
  PoetryProject: {
    fields: { pyproject: str, poetry_lock: str, extra_args: str, secret_mounts: secrets },
    required: ["pyproject"],
  },
  Commands: { fields: { cmd: strings, secret_mounts: secrets }, required: ["cmd"] },
  WorkDir: { fields: { workdir: str }, required: ["workdir"] },
  CopyConfig: { fields: { src: str, dst: str }, required: ["src"] },
  Env: { fields: { env_variables: { type: "stringMap" } } },
  Secret: {
    fields: {
      group: str,
      group_version: str,
      key: str,
      mount_requirement: { type: "enum", values: ["ANY", "ENV_VAR", "FILE"] },
      env_var: str,
    },
    required: ["key"],
  },
};

export function shapeOf(name: MessageName): MessageShape {
  return MESSAGES[name];
}

/** lowerCamelCase form of a snake_case proto name, as protobuf JSON writes it. */
export function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Top-level keys that are not part of the spec but allowed in the file. */
export const TOP_LEVEL_EXTRAS = ["syntax", "$schema"] as const;
