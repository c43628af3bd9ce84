/**
 * Pins: the distributions earlier layers installed package by package, which a later layer's
 * resolve must keep (`name==version`, one per line, sorted).
 */
import { normalizeName } from "./resolution.js";

export type Pins = ReadonlyMap<string, { name: string; version: string }>;

/** The pins file a resolve step reads ("" when there are none). */
export function pinsText(pins: Pins): string {
  return [...pins.values()].map((p) => `${p.name}==${p.version}\n`).sort().join("");
}

const pinKey = (line: string): string => {
  const [name = "", version = ""] = line.split("==");
  return `${normalizeName(name.trim())}==${version.trim()}`;
};

/** Whether the pins a resolve step says it ran with are exactly `pins` (names compared normalized). */
export function samePins(used: readonly string[], pins: Pins): boolean {
  const got = new Set(used.map(pinKey));
  return got.size === pins.size && [...pins.values()].every((p) => got.has(pinKey(`${p.name}==${p.version}`)));
}
