/**
 * A strict binary protobuf reader for ImageSpec: walks the wire format against the message
 * descriptors and refuses, with the field and byte offset, what a lenient decoder would drop
 * silently (unknown fields, wrong wire types, repeated singular fields) or choke on (truncated
 * varints and lengths, invalid UTF-8, groups). The result is a plain object with proto names.
 */
import protobuf from "protobufjs";
import { messageType } from "../common/messages.js";
import { MAX_REPORTED_PROBLEMS, MAX_VALUES } from "./limits.js";
import { TooManyProblems, type SpecProblem } from "./problems.js";

const WIRE_NAMES = ["varint", "64-bit", "length-delimited", "group start", "group end", "32-bit"];
const VARINT_TYPES = new Set(["bool", "int32", "int64", "uint32", "uint64", "sint32", "sint64"]);
const utf8 = new TextDecoder("utf-8", { fatal: true });

export type PlainValue = string | number | boolean | PlainMessage | PlainValue[] | { [key: string]: string };
export interface PlainMessage {
  [field: string]: PlainValue;
}


class WireError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

const join = (path: string, field: string) => (path ? `${path}.${field}` : field);

class Reader {
  readonly problems: SpecProblem[] = [];
  private values = 0;

  constructor(private readonly data: Uint8Array) {}

  report(p: SpecProblem): void {
    this.problems.push(p);
    if (this.problems.length > MAX_REPORTED_PROBLEMS) throw new TooManyProblems();
  }

  /** Reads a varint at `pos`; returns the value (exact up to 2^53) and the next offset. */
  varint(pos: number, end: number, path: string, what: string): [number, number] {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos + i >= end) throw new WireError(path, `truncated ${what} at byte offset ${pos}`);
      const b = this.data[pos + i]!;
      value += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return [value, pos + i + 1];
    }
    throw new WireError(path, `${what} at byte offset ${pos} is longer than 10 bytes`);
  }

  /** The bytes of a length-delimited field whose length varint starts at `pos`. */
  delimited(pos: number, end: number, path: string, what: string): [number, number] {
    const [length, start] = this.varint(pos, end, path, `length of ${what}`);
    if (start + length > end) throw new WireError(path, `${what} at byte offset ${pos} claims ${length} bytes, but only ${end - start} remain`);
    return [start, start + length];
  }

  /** Skips the value of a field with wire type `wire` starting at `pos`. */
  skip(wire: number, pos: number, end: number, path: string, what: string): number {
    switch (wire) {
      case 0:
        return this.varint(pos, end, path, what)[1];
      case 1:
        if (pos + 8 > end) throw new WireError(path, `truncated ${what} at byte offset ${pos}`);
        return pos + 8;
      case 2:
        return this.delimited(pos, end, path, what)[1];
      case 5:
        if (pos + 4 > end) throw new WireError(path, `truncated ${what} at byte offset ${pos}`);
        return pos + 4;
      default:
        throw new WireError(path, `${what} at byte offset ${pos} has wire type ${wire}, which an ImageSpec never contains`);
    }
  }

  string(start: number, end: number, path: string, field: string): string {
    try {
      return utf8.decode(this.data.subarray(start, end));
    } catch {
      throw new WireError(path, `string field ${field} at byte offset ${start} is not valid UTF-8`);
    }
  }

  message(type: protobuf.Type, start: number, end: number, path: string): PlainMessage {
    const out: PlainMessage = {};
    const firstAt = new Map<number, number>();
    let pos = start;
    while (pos < end) {
      const tagAt = pos;
      const [tag, next] = this.varint(pos, end, path, `field tag in ${type.name}`);
      pos = next;
      if (++this.values > MAX_VALUES) throw new WireError("", `the spec has more than ${MAX_VALUES} values (at byte offset ${tagAt})`);
      const number = Math.floor(tag / 8);
      const wire = tag % 8;
      if (number === 0) throw new WireError(path, `field number 0 in ${type.name} at byte offset ${tagAt}, which no message has`);
      const field = type.fieldsById[number];
      const name = field ? `${type.name}.${field.name} (field ${number})` : `field ${number} of ${type.name}`;
      if (wire === 3 || wire === 4) throw new WireError(field ? join(path, field.name) : path, `${name} at byte offset ${tagAt} is a group (wire type ${wire}), which an ImageSpec never contains`);
      if (wire > 5) throw new WireError(field ? join(path, field.name) : path, `${name} at byte offset ${tagAt} has wire type ${wire}, which does not exist`);
      if (!field) {
        this.report({ path, message: `unknown field number ${number} in ${type.name} at byte offset ${tagAt}`, hint: "the file was written for a different message or schema version" });
        pos = this.skip(wire, pos, end, path, `unknown field ${number}`);
        continue;
      }
      const fieldPath = join(path, field.name);
      const label = `${type.name}.${field.name} (field ${number})`;
      const expected = this.expectedWire(field);
      if (!expected.includes(wire)) {
        this.report({ path: fieldPath, message: `${label} at byte offset ${tagAt} has the ${WIRE_NAMES[wire]} wire type; it must be ${expected.map((w) => WIRE_NAMES[w]).join(" or ")}` });
        pos = this.skip(wire, pos, end, fieldPath, label);
        continue;
      }
      if (!field.repeated && !field.map) {
        const first = firstAt.get(number);
        if (first !== undefined) {
          this.report({ path: fieldPath, message: `${label} is given twice (at byte offsets ${first} and ${tagAt})`, hint: "a protobuf reader would keep only the last; write it once" });
          pos = this.skip(wire, pos, end, fieldPath, label);
          continue;
        }
        firstAt.set(number, tagAt);
      }
      pos = this.field(out, field, wire, pos, end, fieldPath, label);
    }
    return out;
  }

  private expectedWire(field: protobuf.Field): number[] {
    if (field.map) return [2];
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type || field.type === "string" || field.type === "bytes") return [2];
    if (resolved instanceof protobuf.Enum || VARINT_TYPES.has(field.type)) return field.repeated ? [0, 2] : [0];
    return [2];
  }

  private field(out: PlainMessage, field: protobuf.Field, wire: number, pos: number, end: number, path: string, label: string): number {
    const resolved = field.resolvedType;
    if (field.map) {
      const [s, e] = this.delimited(pos, end, path, label);
      const [key, value] = this.mapEntry(s, e, path, label);
      // No prototype: a key such as "__proto__" is an ordinary key here.
      const map = (out[field.name] ??= Object.create(null)) as { [key: string]: string };
      if (Object.prototype.hasOwnProperty.call(map, key)) {
        this.report({ path: join(path, key), message: `${label} has the key ${JSON.stringify(key)} twice (again at byte offset ${pos})` });
      } else map[key] = value;
      return e;
    }
    let value: PlainValue;
    let next: number;
    if (resolved instanceof protobuf.Type) {
      const index = field.repeated ? ((out[field.name] as PlainValue[] | undefined)?.length ?? 0) : -1;
      const [s, e] = this.delimited(pos, end, path, label);
      value = this.message(resolved, s, e, index >= 0 ? `${path}[${index}]` : path);
      next = e;
    } else if (field.type === "string") {
      const [s, e] = this.delimited(pos, end, path, label);
      const index = field.repeated ? ((out[field.name] as PlainValue[] | undefined)?.length ?? 0) : -1;
      value = this.string(s, e, index >= 0 ? `${path}[${index}]` : path, label);
      next = e;
    } else if (wire === 2) {
      // A packed repeated enum or bool: a run of varints.
      const [s, e] = this.delimited(pos, end, path, label);
      const list = (out[field.name] ??= []) as PlainValue[];
      for (let p = s; p < e; ) {
        const [v, n] = this.varint(p, e, path, label);
        list.push(this.scalar(field, v, path, label, p));
        p = n;
      }
      return e;
    } else {
      const [v, n] = this.varint(pos, end, path, label);
      value = this.scalar(field, v, path, label, pos);
      next = n;
    }
    if (field.repeated) ((out[field.name] ??= []) as PlainValue[]).push(value);
    else out[field.name] = value;
    return next;
  }

  private scalar(field: protobuf.Field, v: number, path: string, label: string, at: number): PlainValue {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) {
      const name = resolved.valuesById[v];
      if (name === undefined) throw new WireError(path, `${label} at byte offset ${at} has the value ${v}, which is not one of ${Object.keys(resolved.values).join(", ")}`);
      return name;
    }
    if (field.type === "bool") {
      if (v > 1) throw new WireError(path, `${label} at byte offset ${at} is a bool with the value ${v}; it must be 0 or 1`);
      return v === 1;
    }
    return v;
  }

  private mapEntry(start: number, end: number, path: string, label: string): [string, string] {
    let key = "";
    let value = "";
    for (let pos = start; pos < end; ) {
      const tagAt = pos;
      const [tag, next] = this.varint(pos, end, path, `map entry tag in ${label}`);
      const number = Math.floor(tag / 8);
      const wire = tag % 8;
      if ((number !== 1 && number !== 2) || wire !== 2) {
        throw new WireError(path, `map entry of ${label} at byte offset ${tagAt} has field ${number} with the ${WIRE_NAMES[wire]} wire type; it must be field 1 (key) or 2 (value), length-delimited`);
      }
      const [s, e] = this.delimited(next, end, path, label);
      const text = this.string(s, e, path, `${label} ${number === 1 ? "key" : "value"}`);
      if (number === 1) key = text;
      else value = text;
      pos = e;
    }
    return [key, value];
  }
}

export type ProtobufResult = { value: PlainMessage; problems: [] } | { value: undefined; problems: SpecProblem[] };

let resolvedImageSpec: protobuf.Type | undefined;

function imageSpecType(): protobuf.Type {
  if (!resolvedImageSpec) {
    resolvedImageSpec = messageType("flyteidl2.imagebuilder.ImageSpec");
    resolvedImageSpec.root.resolveAll();
  }
  return resolvedImageSpec;
}

/** Reads a binary ImageSpec strictly; every problem names the field and the byte offset. */
export function readProtobufSpec(data: Uint8Array): ProtobufResult {
  const type = imageSpecType();
  const reader = new Reader(data);
  let value: PlainMessage | undefined;
  try {
    value = reader.message(type, 0, data.length, "");
  } catch (e) {
    if (e instanceof WireError) reader.problems.push({ path: e.path, message: e.message });
    else if (!(e instanceof TooManyProblems)) throw e;
  }
  if (reader.problems.length > 0 || value === undefined) {
    return { value: undefined, problems: reader.problems.map((p) => ({ ...p, message: `binary protobuf: ${p.message}` })) };
  }
  return { value, problems: [] };
}

/** Whether the bytes are a well-formed binary ImageSpec. */
export function isProtobufSpec(data: Uint8Array): boolean {
  return readProtobufSpec(data).value !== undefined;
}
