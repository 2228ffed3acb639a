// Production's hard limits on what may be written and asked, each refused with production's
// status code and a message shaped like production's.
// Source: https://firebase.google.com/docs/firestore/quotas and the storage size rules in
// https://firebase.google.com/docs/firestore/storage-size.

import { invalidArgument } from "./errors";
import type { FilterMsg } from "./proto";
import { splitName, type StoredDocument } from "./store";
import type { Fields, Value } from "./values";

export const MAX_DOCUMENT_BYTES = 1_048_576;
export const MAX_REQUEST_BYTES = 10 * 1_048_576;
/** Maps and arrays nested in one another, counted from a document's top-level fields. */
export const MAX_NESTING_DEPTH = 20;
/** Disjunctions in a query's disjunctive normal form (`in`, `array-contains-any`, `or`). */
export const MAX_DISJUNCTIONS = 30;
/** Values in one `not-in` filter. */
export const MAX_NOT_IN_VALUES = 10;

const grouped = (n: number): string => n.toLocaleString("en-US");

/** Refuses a document over 1 MiB or nested deeper than 20 levels, as production does on write. */
export function assertWritable(doc: StoredDocument): void {
  const size = documentSize(doc);
  if (size > MAX_DOCUMENT_BYTES) {
    throw invalidArgument(
      `Document '${doc.name}' cannot be written because its size (${grouped(size)} bytes) exceeds the maximum allowed size of ${grouped(MAX_DOCUMENT_BYTES)} bytes.`,
    );
  }
  const deepest = deepestPath(doc.fields, 0);
  if (deepest !== undefined) {
    throw invalidArgument(
      `Document '${doc.name}' cannot be written because field '${deepest.join(".")}' is nested more than ${MAX_NESTING_DEPTH} levels deep (maps and arrays).`,
    );
  }
}

/** Refuses a request whose encoded size is over 10 MiB. */
export function assertRequestSize(bytes: number): void {
  if (bytes > MAX_REQUEST_BYTES) {
    throw invalidArgument(`Request payload size exceeds the limit: ${MAX_REQUEST_BYTES} bytes.`);
  }
}

/**
 * Storage size as production computes it: the document name (each collection and document id
 * as a string, plus 16), every field name as a string plus its value, plus 32.
 */
export function documentSize(doc: StoredDocument): number {
  return nameSize(doc.name) + fieldsSize(doc.fields) + 32;
}

const stringSize = (s: string): number => Buffer.byteLength(s, "utf8") + 1;

function nameSize(name: string): number {
  return splitName(name).segments.reduce((total, s) => total + stringSize(s), 16);
}

function fieldsSize(fields: Fields): number {
  let total = 0;
  for (const [key, value] of Object.entries(fields)) total += stringSize(key) + valueSize(value);
  return total;
}

function valueSize(value: Value): number {
  if ("nullValue" in value || "booleanValue" in value) return 1;
  if ("integerValue" in value || "doubleValue" in value || "timestampValue" in value) return 8;
  if ("stringValue" in value) return stringSize(value.stringValue);
  if ("bytesValue" in value) return value.bytesValue.length;
  if ("referenceValue" in value) return nameSize(value.referenceValue);
  if ("geoPointValue" in value) return 16;
  if ("arrayValue" in value) return value.arrayValue.values.reduce((total, v) => total + valueSize(v), 0);
  return fieldsSize(value.mapValue.fields);
}

/** The path to the first value nested deeper than allowed, or undefined. */
function deepestPath(fields: Fields, depth: number): string[] | undefined {
  for (const [key, value] of Object.entries(fields)) {
    const found = deepValue(value, depth);
    if (found !== undefined) return [key, ...found];
  }
  return undefined;
}

function deepValue(value: Value, depth: number): string[] | undefined {
  if (!("mapValue" in value) && !("arrayValue" in value)) return undefined;
  if (depth + 1 > MAX_NESTING_DEPTH) return [];
  if ("mapValue" in value) return deepestPath(value.mapValue.fields, depth + 1);
  for (const [i, element] of value.arrayValue.values.entries()) {
    const found = deepValue(element, depth + 1);
    if (found !== undefined) return [String(i), ...found];
  }
  return undefined;
}

/** Refuses filters production refuses for their size: too many disjunctions or `not-in` values. */
export function assertFilterLimits(filter: FilterMsg | undefined): void {
  if (filter === undefined) return;
  const count = disjunctions(filter);
  if (count > MAX_DISJUNCTIONS) {
    throw invalidArgument(
      `Invalid query: it has ${count} disjunctions in disjunctive normal form; the maximum is ${MAX_DISJUNCTIONS} (in, array-contains-any and or filters multiply).`,
    );
  }
}

/** How many conjunctions the filter's disjunctive normal form has. */
function disjunctions(filter: FilterMsg): number {
  const composite = filter.compositeFilter;
  if (composite !== undefined) {
    const parts = composite.filters.map(disjunctions);
    return composite.op === "OR" ? parts.reduce((a, b) => a + b, 0) : parts.reduce((a, b) => a * b, 1);
  }
  const field = filter.fieldFilter;
  const values = field?.value?.arrayValue?.values.length ?? 0;
  if (field?.op === "IN" || field?.op === "ARRAY_CONTAINS_ANY") return Math.max(values, 1);
  if (field?.op === "NOT_IN" && values > MAX_NOT_IN_VALUES) {
    throw invalidArgument(
      `Invalid query: a not-in filter supports up to ${MAX_NOT_IN_VALUES} comparison values, this one has ${values}.`,
    );
  }
  return 1;
}
