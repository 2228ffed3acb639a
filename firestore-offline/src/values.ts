// Firestore values: the normalized in-memory form, Firestore's total ordering across types,
// equality, timestamps and field paths.
//
// A Value is a plain object with exactly one key, shaped like the proto oneof member it
// represents, so it can be handed straight back to the wire encoder. Values are never mutated
// after creation: writes build new maps with copy-on-write helpers, so stored versions can be
// shared freely between readers.

import type { TimestampMsg, ValueMsg } from "./proto";
import { invalidArgument } from "./errors";

/** A Firestore timestamp as sent on the wire (seconds is an int64 in decimal). */
export interface Timestamp {
  seconds: string;
  nanos: number;
}

export type Value =
  | { nullValue: "NULL_VALUE" }
  | { booleanValue: boolean }
  /** int64 in canonical decimal form. */
  | { integerValue: string }
  | { doubleValue: number }
  | { timestampValue: Timestamp }
  | { stringValue: string }
  | { bytesValue: Buffer }
  /** Full resource name: projects/{p}/databases/{d}/documents/{path}. */
  | { referenceValue: string }
  | { geoPointValue: { latitude: number; longitude: number } }
  | { arrayValue: { values: Value[] } }
  | { mapValue: { fields: Fields } };

export type Fields = Record<string, Value>;

export const NULL_VALUE: Value = { nullValue: "NULL_VALUE" };
export const INT64_MAX = 2n ** 63n - 1n;
export const INT64_MIN = -(2n ** 63n);
const NANOS_PER_SECOND = 1_000_000_000n;

// ---------------------------------------------------------------------------------------------
// Decoding

/** Converts a decoded wire value into the normalized form; rejects a value with nothing set. */
export function normalizeValue(msg: ValueMsg): Value {
  if (msg.nullValue !== undefined) return NULL_VALUE;
  if (msg.booleanValue !== undefined) return { booleanValue: msg.booleanValue };
  if (msg.integerValue !== undefined) return { integerValue: BigInt(msg.integerValue).toString() };
  if (msg.doubleValue !== undefined) return { doubleValue: msg.doubleValue };
  if (msg.timestampValue !== undefined) return { timestampValue: normalizeTimestamp(msg.timestampValue) };
  if (msg.stringValue !== undefined) return { stringValue: msg.stringValue };
  if (msg.bytesValue !== undefined) return { bytesValue: Buffer.from(msg.bytesValue) };
  if (msg.referenceValue !== undefined) return { referenceValue: msg.referenceValue };
  if (msg.geoPointValue !== undefined) {
    return {
      geoPointValue: { latitude: msg.geoPointValue.latitude ?? 0, longitude: msg.geoPointValue.longitude ?? 0 },
    };
  }
  if (msg.arrayValue !== undefined) return { arrayValue: { values: msg.arrayValue.values.map(normalizeValue) } };
  if (msg.mapValue !== undefined) return { mapValue: { fields: normalizeFields(msg.mapValue.fields) } };
  throw invalidArgument("A value must have one of its value types set.");
}

export function normalizeFields(fields: Record<string, ValueMsg>): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) out[key] = normalizeValue(value);
  return out;
}

export function normalizeTimestamp(ts: TimestampMsg): Timestamp {
  return { seconds: BigInt(ts.seconds ?? "0").toString(), nanos: ts.nanos ?? 0 };
}

// ---------------------------------------------------------------------------------------------
// Time. Commit and read times are bigint nanoseconds since the epoch inside the emulator.

export function timestampToNanos(ts: TimestampMsg): bigint {
  return BigInt(ts.seconds ?? "0") * NANOS_PER_SECOND + BigInt(ts.nanos ?? 0);
}

export function nanosToTimestamp(nanos: bigint): Timestamp {
  let seconds = nanos / NANOS_PER_SECOND;
  let rest = nanos % NANOS_PER_SECOND;
  if (rest < 0n) {
    rest += NANOS_PER_SECOND;
    seconds -= 1n;
  }
  return { seconds: seconds.toString(), nanos: Number(rest) };
}

// ---------------------------------------------------------------------------------------------
// Ordering

/**
 * Firestore's cross-type order: null < boolean < number < timestamp < string < bytes <
 * reference < geo point < array < vector < map. Integers and doubles are one class. A vector is
 * a map `{__type__: "__vector__", value: [numbers]}` (what FieldValue.vector() writes).
 */
export function typeOrder(value: Value): number {
  if ("nullValue" in value) return 0;
  if ("booleanValue" in value) return 1;
  if ("integerValue" in value || "doubleValue" in value) return 2;
  if ("timestampValue" in value) return 3;
  if ("stringValue" in value) return 4;
  if ("bytesValue" in value) return 5;
  if ("referenceValue" in value) return 6;
  if ("geoPointValue" in value) return 7;
  if ("arrayValue" in value) return 8;
  return vectorElements(value) === undefined ? 10 : 9;
}

/** The elements of a vector value, or undefined for anything else. */
function vectorElements(value: Value): Value[] | undefined {
  if (!("mapValue" in value)) return undefined;
  const type = ownField(value.mapValue.fields, "__type__");
  const elements = ownField(value.mapValue.fields, "value");
  if (type === undefined || !("stringValue" in type) || type.stringValue !== "__vector__") return undefined;
  return elements !== undefined && "arrayValue" in elements ? elements.arrayValue.values : undefined;
}

const sign = (n: number | bigint): number => (n > 0 ? 1 : n < 0 ? -1 : 0);

/** Total order over all values, as Firestore indexes sort them. */
export function compareValues(a: Value, b: Value): number {
  const byType = typeOrder(a) - typeOrder(b);
  if (byType !== 0) return sign(byType);
  if ("booleanValue" in a && "booleanValue" in b) return sign(Number(a.booleanValue) - Number(b.booleanValue));
  if (isNumber(a) && isNumber(b)) return compareNumbers(a, b);
  if ("timestampValue" in a && "timestampValue" in b) return compareTimestamps(a.timestampValue, b.timestampValue);
  if ("stringValue" in a && "stringValue" in b) return compareUtf8(a.stringValue, b.stringValue);
  if ("bytesValue" in a && "bytesValue" in b) return sign(Buffer.compare(a.bytesValue, b.bytesValue));
  if ("referenceValue" in a && "referenceValue" in b) return compareNames(a.referenceValue, b.referenceValue);
  if ("geoPointValue" in a && "geoPointValue" in b) {
    return (
      compareDoubles(a.geoPointValue.latitude, b.geoPointValue.latitude) ||
      compareDoubles(a.geoPointValue.longitude, b.geoPointValue.longitude)
    );
  }
  if ("arrayValue" in a && "arrayValue" in b) return compareArrays(a.arrayValue.values, b.arrayValue.values);
  const [va, vb] = [vectorElements(a), vectorElements(b)];
  // Vectors order by dimension first, then element by element.
  if (va !== undefined && vb !== undefined) return sign(va.length - vb.length) || compareArrays(va, vb);
  if ("mapValue" in a && "mapValue" in b) return compareMaps(a.mapValue.fields, b.mapValue.fields);
  return 0; // both null
}

/** Numeric equivalence: 3 and 3.0 are equal, NaN equals NaN (used by filters and array transforms). */
export function valuesEquivalent(a: Value, b: Value): boolean {
  return compareValues(a, b) === 0;
}

/** Strict identity: same types all the way down (1 ≠ 1.0, 0.0 ≠ -0.0). Detects no-op writes. */
export function valuesIdentical(a: Value, b: Value): boolean {
  if ("integerValue" in a || "integerValue" in b) {
    return "integerValue" in a && "integerValue" in b && a.integerValue === b.integerValue;
  }
  if ("doubleValue" in a || "doubleValue" in b) {
    return "doubleValue" in a && "doubleValue" in b && Object.is(a.doubleValue, b.doubleValue);
  }
  if ("arrayValue" in a || "arrayValue" in b) {
    if (!("arrayValue" in a && "arrayValue" in b)) return false;
    const [x, y] = [a.arrayValue.values, b.arrayValue.values];
    return (
      x.length === y.length &&
      x.every((v, i) => {
        const w = y[i];
        return w !== undefined && valuesIdentical(v, w);
      })
    );
  }
  if ("mapValue" in a || "mapValue" in b) {
    return "mapValue" in a && "mapValue" in b && fieldsIdentical(a.mapValue.fields, b.mapValue.fields);
  }
  // The remaining types compare equal only when identical.
  return compareValues(a, b) === 0;
}

export function fieldsIdentical(a: Fields, b: Fields): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => {
    const [x, y] = [ownField(a, key), ownField(b, key)];
    return x !== undefined && y !== undefined && valuesIdentical(x, y);
  });
}

export function isNumber(value: Value): value is { integerValue: string } | { doubleValue: number } {
  return "integerValue" in value || "doubleValue" in value;
}

export function isNaNValue(value: Value): boolean {
  return "doubleValue" in value && Number.isNaN(value.doubleValue);
}

function compareNumbers(
  a: { integerValue: string } | { doubleValue: number },
  b: { integerValue: string } | { doubleValue: number },
): number {
  if ("integerValue" in a && "integerValue" in b) return sign(BigInt(a.integerValue) - BigInt(b.integerValue));
  if ("doubleValue" in a && "doubleValue" in b) return compareDoubles(a.doubleValue, b.doubleValue);
  if ("integerValue" in a && "doubleValue" in b) return compareIntegerToDouble(BigInt(a.integerValue), b.doubleValue);
  // 0 - x rather than -x, so that a tie is 0 and not -0.
  if ("doubleValue" in a && "integerValue" in b)
    return 0 - compareIntegerToDouble(BigInt(b.integerValue), a.doubleValue);
  return 0;
}

/** NaN sorts before every other number; -0.0 equals 0.0. */
function compareDoubles(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1;
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Exact comparison of an int64 with a double (no rounding of the integer through a double). */
function compareIntegerToDouble(integer: bigint, double: number): number {
  if (Number.isNaN(double)) return 1;
  if (double === Infinity) return -1;
  if (double === -Infinity) return 1;
  const floor = Math.floor(double);
  const byFloor = sign(integer - BigInt(floor));
  if (byFloor !== 0) return byFloor;
  return double > floor ? -1 : 0;
}

export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  return sign(BigInt(a.seconds) - BigInt(b.seconds)) || sign(a.nanos - b.nanos);
}

/** Orders strings by their UTF-8 encoding, as Firestore does (differs from UTF-16 order). */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const [x, y] = [a.charCodeAt(i), b.charCodeAt(i)];
    if (x === y) continue;
    const [xSurrogate, ySurrogate] = [x >= 0xd800 && x <= 0xdfff, y >= 0xd800 && y <= 0xdfff];
    // A surrogate starts a code point above U+FFFF, which UTF-8 orders after any BMP character.
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return sign(a.length - b.length);
}

const NUMERIC_ID = /^__id(-?\d+)__$/;

/**
 * Orders resource names segment by segment. Segments of the form `__id<n>__` are numeric ids,
 * which sort before string ids (recursiveDelete relies on `__id-9223372036854775808__` being
 * the smallest id).
 */
export function compareNames(a: string, b: string): number {
  const [x, y] = [a.split("/"), b.split("/")];
  const length = Math.min(x.length, y.length);
  for (let i = 0; i < length; i++) {
    const bySegment = compareSegments(x[i] ?? "", y[i] ?? "");
    if (bySegment !== 0) return bySegment;
  }
  return sign(x.length - y.length);
}

function compareSegments(a: string, b: string): number {
  const [x, y] = [NUMERIC_ID.exec(a)?.[1], NUMERIC_ID.exec(b)?.[1]];
  if (x !== undefined && y !== undefined) return sign(BigInt(x) - BigInt(y));
  if (x !== undefined) return -1;
  if (y !== undefined) return 1;
  return compareUtf8(a, b);
}

function compareArrays(a: Value[], b: Value[]): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const [x, y] = [a[i], b[i]];
    if (x === undefined || y === undefined) break;
    const byElement = compareValues(x, y);
    if (byElement !== 0) return byElement;
  }
  return sign(a.length - b.length);
}

function compareMaps(a: Fields, b: Fields): number {
  const [x, y] = [sortedKeys(a), sortedKeys(b)];
  const length = Math.min(x.length, y.length);
  for (let i = 0; i < length; i++) {
    const [kx, ky] = [x[i] ?? "", y[i] ?? ""];
    const byKey = compareUtf8(kx, ky);
    if (byKey !== 0) return byKey;
    const [vx, vy] = [ownField(a, kx), ownField(b, ky)];
    if (vx === undefined || vy === undefined) break;
    const byValue = compareValues(vx, vy);
    if (byValue !== 0) return byValue;
  }
  return sign(x.length - y.length);
}

const sortedKeys = (fields: Fields): string[] => Object.keys(fields).sort(compareUtf8);

// ---------------------------------------------------------------------------------------------
// Field paths: `a.b.c`, with backquoted segments for anything else (`a.\`b.c\``).

export function parseFieldPath(path: string): string[] {
  const segments: string[] = [];
  let i = 0;
  const fail = (): never => {
    throw invalidArgument(`Invalid field path: ${JSON.stringify(path)}`);
  };
  if (path === "") fail();
  while (i < path.length) {
    let segment = "";
    if (path.charAt(i) === "`") {
      i++;
      for (;;) {
        if (i >= path.length) fail();
        const c = path.charAt(i);
        if (c === "\\") {
          if (i + 1 >= path.length) fail();
          segment += path.charAt(i + 1);
          i += 2;
        } else if (c === "`") {
          i++;
          break;
        } else {
          segment += c;
          i++;
        }
      }
    } else {
      while (i < path.length && path.charAt(i) !== ".") segment += path.charAt(i++);
    }
    if (segment === "") fail();
    segments.push(segment);
    if (i < path.length) {
      if (path.charAt(i) !== "." || i === path.length - 1) fail();
      i++;
    }
  }
  return segments;
}

/** Own-property lookup, so field names like `constructor` never reach Object.prototype. */
export function ownField(fields: Fields, key: string): Value | undefined {
  return Object.hasOwn(fields, key) ? fields[key] : undefined;
}

export function getField(fields: Fields, segments: readonly string[]): Value | undefined {
  let current: Value | undefined = { mapValue: { fields } };
  for (const segment of segments) {
    current = current !== undefined && "mapValue" in current ? ownField(current.mapValue.fields, segment) : undefined;
  }
  return current;
}

/** Returns a copy of `fields` with the value at `segments` set, creating maps on the way. */
export function setField(fields: Fields, segments: readonly string[], value: Value): Fields {
  const [head, ...rest] = segments;
  if (head === undefined) throw invalidArgument("Empty field path.");
  if (rest.length === 0) return { ...fields, [head]: value };
  const child = ownField(fields, head);
  const childFields = child !== undefined && "mapValue" in child ? child.mapValue.fields : {};
  return { ...fields, [head]: { mapValue: { fields: setField(childFields, rest, value) } } };
}

/** Returns a copy of `fields` without the value at `segments` (unchanged if absent). */
export function deleteField(fields: Fields, segments: readonly string[]): Fields {
  const [head, ...rest] = segments;
  if (head === undefined || !Object.hasOwn(fields, head)) return fields;
  if (rest.length === 0) {
    const copy = { ...fields };
    delete copy[head];
    return copy;
  }
  const child = ownField(fields, head);
  if (child === undefined || !("mapValue" in child)) return fields;
  return { ...fields, [head]: { mapValue: { fields: deleteField(child.mapValue.fields, rest) } } };
}

/** Keeps only the given field paths (a projection / document mask). */
export function projectFields(fields: Fields, paths: readonly (readonly string[])[]): Fields {
  let out: Fields = {};
  for (const path of paths) {
    const value = getField(fields, path);
    if (value !== undefined) out = setField(out, path, value);
  }
  return out;
}
