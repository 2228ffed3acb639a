// Import / export of the whole database as one JSON file, `<dataDir>/documents.json`:
//
//   {
//     "format": "firestore-offline/v1",
//     "exportedAt": "2025-01-01T00:00:00.000Z",
//     "documents": [
//       { "name": "projects/p/databases/(default)/documents/jobs/j1",
//         "createTime": { "seconds": "1735689600", "nanos": 123456000 },
//         "updateTime": { "seconds": "1735689600", "nanos": 123457000 },
//         "fields": { "attempts": { "integerValue": "3" } } }
//     ]
//   }
//
// Values keep their Firestore type exactly, one key per value like the wire format:
//   nullValue: null · booleanValue: true|false · integerValue: "<int64 as decimal string>"
//   doubleValue: <number> or "NaN" | "Infinity" | "-Infinity" | "-0"
//   timestampValue: { seconds: "<int64 string>", nanos: <0..999999999> }
//   stringValue: "<text>" · bytesValue: "<base64>" · referenceValue: "projects/…/documents/…"
//   geoPointValue: { latitude, longitude } · arrayValue: { values: [...] } · mapValue: { fields: {...} }
//
// Documents are sorted by name, one per line, so exports diff well. Exports are atomic: the file
// is written under a temporary name and renamed over the old one.
//
// The export is also the journal's snapshot (journal.ts): its optional "log" member names the
// first journal generation that follows it (`documents.<log>.log`); an export without it is
// followed by every generation present.

import { promises as fs } from "node:fs";
import * as path from "node:path";
import { randomBytes } from "node:crypto";
import type { StoredDocument } from "./store";
import { compareNames, nanosToTimestamp, timestampToNanos, type Fields, type Timestamp, type Value } from "./values";

export const EXPORT_FILE = "documents.json";
const FORMAT = "firestore-offline/v1";

/**
 * Writes `<dataDir>/documents.json`. The documents are encoded before the first await, so the
 * file holds the state of the moment of the call whatever commits follow.
 */
export async function exportDocuments(
  dataDir: string,
  docs: Iterable<StoredDocument>,
  options: { log?: number } = {},
): Promise<string> {
  const sorted = [...docs].sort((a, b) => compareNames(a.name, b.name));
  const lines = sorted.map((doc) => JSON.stringify(encodeDocument(doc)));
  const log = options.log === undefined ? "" : `,"log":${options.log}`;
  const header = `{"format":${JSON.stringify(FORMAT)},"exportedAt":${JSON.stringify(new Date().toISOString())}${log},"documents":[`;
  const body = lines.length === 0 ? "" : `\n${lines.join(",\n")}\n`;
  await fs.mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, EXPORT_FILE);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await fs.writeFile(temp, `${header}${body}]}\n`);
  await fs.rename(temp, file);
  return file;
}

/** Reads `<dataDir>/documents.json`; an absent file (or directory) means an empty database. */
export async function importDocuments(dataDir: string): Promise<StoredDocument[]> {
  return (await importSnapshot(dataDir)).documents;
}

/** The export and the first journal generation after it (0 when the export names none). */
export async function importSnapshot(dataDir: string): Promise<{ documents: StoredDocument[]; log: number }> {
  const file = path.join(dataDir, EXPORT_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    if (err instanceof Error && "code" in err && err.code === "ENOENT") return { documents: [], log: 0 };
    throw err;
  }
  try {
    return decodeExport(JSON.parse(text));
  } catch (err) {
    throw new Error(`Cannot import ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** One document in the export's JSON form (also a journal entry's). */
export function encodeDocument(doc: StoredDocument): Record<string, Json> {
  return {
    name: doc.name,
    createTime: { ...nanosToTimestamp(doc.createTime) },
    updateTime: { ...nanosToTimestamp(doc.updateTime) },
    fields: encodeFields(doc.fields),
  };
}

/** The inverse of encodeDocument; `where` names the place in error messages. */
export function decodeDocument(doc: unknown, where: string): StoredDocument {
  expect(isObject(doc) && typeof doc.name === "string", where, "an object with a name");
  return {
    name: doc.name,
    createTime: timestampToNanos(decodeTimestamp(doc.createTime, `${where}.createTime`)),
    updateTime: timestampToNanos(decodeTimestamp(doc.updateTime, `${where}.updateTime`)),
    fields: decodeFields(doc.fields, `${where}.fields`),
  };
}

// ---------------------------------------------------------------------------------------------

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function encodeFields(fields: Fields): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = encodeValue(value);
  return out;
}

function encodeValue(value: Value): Json {
  if ("nullValue" in value) return { nullValue: null };
  if ("booleanValue" in value) return { booleanValue: value.booleanValue };
  if ("integerValue" in value) return { integerValue: value.integerValue };
  if ("doubleValue" in value) return { doubleValue: encodeDouble(value.doubleValue) };
  if ("timestampValue" in value) return { timestampValue: { ...value.timestampValue } };
  if ("stringValue" in value) return { stringValue: value.stringValue };
  if ("bytesValue" in value) return { bytesValue: value.bytesValue.toString("base64") };
  if ("referenceValue" in value) return { referenceValue: value.referenceValue };
  if ("geoPointValue" in value) return { geoPointValue: { ...value.geoPointValue } };
  if ("arrayValue" in value) return { arrayValue: { values: value.arrayValue.values.map(encodeValue) } };
  return { mapValue: { fields: encodeFields(value.mapValue.fields) } };
}

function encodeDouble(n: number): Json {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "Infinity";
  if (n === -Infinity) return "-Infinity";
  if (Object.is(n, -0)) return "-0";
  return n;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function expect(condition: boolean, where: string, what: string): asserts condition {
  if (!condition) throw new Error(`${where}: expected ${what}`);
}

function decodeExport(json: unknown): { documents: StoredDocument[]; log: number } {
  expect(isObject(json) && json.format === FORMAT, "file", `{"format": "${FORMAT}", ...}`);
  const docs = json.documents;
  expect(Array.isArray(docs), "documents", "an array");
  const log = json.log ?? 0;
  expect(typeof log === "number" && Number.isSafeInteger(log) && log >= 0, "log", "a journal generation");
  return { documents: docs.map((doc: unknown, i) => decodeDocument(doc, `documents[${i}]`)), log };
}

function decodeFields(json: unknown, where: string): Fields {
  expect(isObject(json), where, "an object");
  const out: Fields = {};
  for (const [key, value] of Object.entries(json)) out[key] = decodeValue(value, `${where}.${key}`);
  return out;
}

function decodeTimestamp(json: unknown, where: string): Timestamp {
  expect(
    isObject(json) && typeof json.seconds === "string" && /^-?\d+$/.test(json.seconds),
    where,
    "{seconds: string}",
  );
  expect(typeof json.nanos === "number" && Number.isInteger(json.nanos), where, "{nanos: integer}");
  return { seconds: json.seconds, nanos: json.nanos };
}

function decodeValue(json: unknown, where: string): Value {
  const entries = isObject(json) ? Object.entries(json) : [];
  const [entry] = entries;
  expect(entry !== undefined && entries.length === 1, where, "an object with exactly one value key");
  const [kind, v] = entry;
  switch (kind) {
    case "nullValue":
      return { nullValue: "NULL_VALUE" };
    case "booleanValue":
      expect(typeof v === "boolean", where, "a boolean");
      return { booleanValue: v };
    case "integerValue":
      expect(typeof v === "string" && /^-?\d+$/.test(v), where, "an integer string");
      return { integerValue: BigInt(v).toString() };
    case "doubleValue":
      expect(
        typeof v === "number" || (typeof v === "string" && ["NaN", "Infinity", "-Infinity", "-0"].includes(v)),
        where,
        "a double",
      );
      return { doubleValue: typeof v === "number" ? v : Number(v) };
    case "timestampValue":
      return { timestampValue: decodeTimestamp(v, where) };
    case "stringValue":
      expect(typeof v === "string", where, "a string");
      return { stringValue: v };
    case "bytesValue":
      expect(typeof v === "string", where, "a base64 string");
      return { bytesValue: Buffer.from(v, "base64") };
    case "referenceValue":
      expect(typeof v === "string", where, "a resource name");
      return { referenceValue: v };
    case "geoPointValue":
      expect(
        isObject(v) && typeof v.latitude === "number" && typeof v.longitude === "number",
        where,
        "{latitude, longitude}",
      );
      return { geoPointValue: { latitude: v.latitude, longitude: v.longitude } };
    case "arrayValue":
      expect(isObject(v) && Array.isArray(v.values), where, "{values: [...]}");
      return { arrayValue: { values: v.values.map((e: unknown, i) => decodeValue(e, `${where}[${i}]`)) } };
    case "mapValue":
      expect(isObject(v), where, "{fields: {...}}");
      return { mapValue: { fields: decodeFields(v.fields, where) } };
    default:
      throw new Error(`${where}: unknown value type ${kind}`);
  }
}
