// The project's index definitions (firestore.indexes.json) and production's rule for when a
// query needs a composite index.
//
// Production serves a query from automatic single-field indexes when it has only equality
// (`==`, `in`, `array-contains`, `array-contains-any`, null / NaN) filters, merging one index per
// field, or when it filters or orders on one field only. Anything else (an equality plus a
// range or order on another field, orders on two fields, array-contains plus an order, ranges
// on two fields) needs a composite index: equality fields first (any order), array-contains
// fields as `arrayConfig: CONTAINS`, then the order fields in the query's order and directions.
// Several composite indexes with the same order suffix may be merged to cover the equality
// fields. Automatic single-field indexes have collection scope; collection-group queries need
// indexes (single-field overrides or composites) declared with COLLECTION_GROUP scope.
// fieldOverrides replace a field's automatic indexes (an empty `indexes` list exempts it).

import { readFileSync } from "node:fs";
import { status } from "@grpc/grpc-js";
import { RpcError } from "./errors";
import { parseFieldPath } from "./values";

export type QueryScope = "COLLECTION" | "COLLECTION_GROUP";

export interface IndexField {
  fieldPath: string;
  order?: "ASCENDING" | "DESCENDING";
  arrayConfig?: "CONTAINS";
}

export interface IndexDefinition {
  collectionGroup: string;
  queryScope: QueryScope;
  fields: IndexField[];
}

interface FieldOverride {
  collectionGroup: string;
  fieldPath: string;
  indexes: { order?: string; arrayConfig?: string; queryScope?: QueryScope }[];
}

export interface IndexConfig {
  indexes: IndexDefinition[];
  fieldOverrides: FieldOverride[];
}

/** What a query (one disjunct of it) asks of indexes. */
export interface QueryShape {
  collectionId: string;
  scope: QueryScope;
  /** Canonical field paths with equality filters (==, in, null, NaN). */
  equalities: string[];
  /** Canonical field paths with array-contains / array-contains-any. */
  contains: string[];
  /** The orders an index must supply after the equality fields (`__name__` only when it differs in direction). */
  orders: { field: string; descending: boolean }[];
}

export const NAME_FIELD = "__name__";

/** Reads and checks a firestore.indexes.json file; throws naming the file on any problem. */
export function loadIndexConfig(file: string): IndexConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`Cannot read index definitions ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const fail = (why: string): never => {
    throw new Error(`Invalid index definitions in ${file}: ${why}`);
  };
  if (typeof raw !== "object" || raw === null) fail("not a JSON object");
  const { indexes = [], fieldOverrides = [] } = raw as { indexes?: unknown; fieldOverrides?: unknown };
  if (!Array.isArray(indexes) || !Array.isArray(fieldOverrides)) fail("indexes and fieldOverrides must be arrays");
  for (const [i, index] of (indexes as IndexDefinition[]).entries()) {
    if (typeof index.collectionGroup !== "string" || !Array.isArray(index.fields) || index.fields.length === 0) {
      fail(`indexes[${i}] needs a collectionGroup and fields`);
    }
    if (index.queryScope !== "COLLECTION" && index.queryScope !== "COLLECTION_GROUP") fail(`indexes[${i}].queryScope`);
    for (const field of index.fields) {
      parseFieldPath(field.fieldPath);
      const ordered = field.order === "ASCENDING" || field.order === "DESCENDING";
      if (ordered === (field.arrayConfig === "CONTAINS"))
        fail(`indexes[${i}]: each field needs an order or arrayConfig CONTAINS`);
    }
  }
  for (const [i, override] of (fieldOverrides as FieldOverride[]).entries()) {
    if (
      typeof override.collectionGroup !== "string" ||
      typeof override.fieldPath !== "string" ||
      !Array.isArray(override.indexes)
    ) {
      fail(`fieldOverrides[${i}] needs collectionGroup, fieldPath and indexes`);
    }
  }
  return { indexes: indexes as IndexDefinition[], fieldOverrides: fieldOverrides as FieldOverride[] };
}

/** The composite index production would ask for, in firestore.indexes.json form. */
export function suggestedIndex(shape: QueryShape): IndexDefinition {
  return {
    collectionGroup: shape.collectionId,
    queryScope: shape.scope,
    fields: [
      ...shape.equalities.map((fieldPath): IndexField => ({ fieldPath, order: "ASCENDING" })),
      ...shape.contains.map((fieldPath): IndexField => ({ fieldPath, arrayConfig: "CONTAINS" })),
      ...shape.orders.map((o): IndexField => ({
        fieldPath: o.field,
        order: o.descending ? "DESCENDING" : "ASCENDING",
      })),
    ],
  };
}

/** Whether the shape can be served without a composite index. */
export function servedBySingleFields(shape: QueryShape): boolean {
  const [first, ...more] = shape.orders;
  if (first === undefined) return true;
  return more.length === 0 && shape.equalities.length === 0 && shape.contains.length === 0;
}

/**
 * Declared composite indexes that can serve the shape: same collection group and scope, the
 * shape's orders as their suffix, and only equality / contains fields of the shape before it.
 */
export function matchingIndexes(config: IndexConfig, shape: QueryShape): IndexDefinition[] {
  return config.indexes.filter((index) => {
    if (index.collectionGroup !== shape.collectionId || index.queryScope !== shape.scope) return false;
    const fields = withoutImplicitName(index.fields);
    const prefixLength = fields.length - shape.orders.length;
    if (prefixLength < 0) return false;
    const suffixMatches = shape.orders.every((o, i) => {
      const field = fields[prefixLength + i];
      return (
        field !== undefined &&
        sameField(field.fieldPath, o.field) &&
        field.order === (o.descending ? "DESCENDING" : "ASCENDING")
      );
    });
    const prefixMatches = fields
      .slice(0, prefixLength)
      .every((field) =>
        field.arrayConfig === "CONTAINS"
          ? shape.contains.some((f) => sameField(f, field.fieldPath))
          : shape.equalities.some((f) => sameField(f, field.fieldPath)),
      );
    return suffixMatches && prefixMatches;
  });
}

/**
 * Throws FAILED_PRECONDITION, naming the index to declare, unless the shape is served by
 * automatic (or overridden) single-field indexes or by declared composite indexes.
 */
export function assertIndexed(config: IndexConfig, shape: QueryShape): void {
  if (servedBySingleFields(shape)) {
    const needed = [
      ...shape.equalities.map((f) => ({ field: f, kind: "EQUALITY" })),
      ...shape.contains.map((f) => ({ field: f, kind: "CONTAINS" })),
      ...shape.orders.map((o) => ({ field: o.field, kind: o.descending ? "DESCENDING" : "ASCENDING" })),
    ].filter((n) => n.field !== NAME_FIELD);
    const missing = needed.find((n) => !singleFieldEnabled(config, shape.collectionId, shape.scope, n.field, n.kind));
    if (missing === undefined) return;
    throw new RpcError(
      status.FAILED_PRECONDITION,
      `The query requires an index. The single-field index ${missing.kind} on ${shape.collectionId}.${missing.field} (${shape.scope}) is not enabled; declare it in firestore.indexes.json: ${JSON.stringify(
        {
          collectionGroup: shape.collectionId,
          fieldPath: missing.field,
          indexes: [
            missing.kind === "CONTAINS"
              ? { arrayConfig: "CONTAINS", queryScope: shape.scope }
              : { order: missing.kind === "DESCENDING" ? "DESCENDING" : "ASCENDING", queryScope: shape.scope },
          ],
        },
      )}`,
    );
  }
  const candidates = matchingIndexes(config, shape);
  const covered = new Set(candidates.flatMap((index) => index.fields.map((f) => canonical(f.fieldPath))));
  if ([...shape.equalities, ...shape.contains].every((f) => covered.has(canonical(f))) && candidates.length > 0) return;
  throw new RpcError(
    status.FAILED_PRECONDITION,
    `The query requires an index that firestore.indexes.json does not declare. Add it to "indexes": ${JSON.stringify(suggestedIndex(shape))}`,
  );
}

function singleFieldEnabled(
  config: IndexConfig,
  collectionId: string,
  scope: QueryScope,
  field: string,
  kind: string,
): boolean {
  const override = config.fieldOverrides.find(
    (o) => o.collectionGroup === collectionId && sameField(o.fieldPath, field),
  );
  if (override === undefined) return scope === "COLLECTION";
  return override.indexes.some(
    (i) =>
      (i.queryScope ?? "COLLECTION") === scope &&
      (kind === "CONTAINS"
        ? i.arrayConfig === "CONTAINS"
        : kind === "EQUALITY"
          ? i.order !== undefined
          : i.order === kind),
  );
}

/** An index's trailing `__name__` in the direction of the field before it says nothing new. */
function withoutImplicitName(fields: IndexField[]): IndexField[] {
  const last = fields.at(-1);
  const before = fields.at(-2);
  if (last?.fieldPath === NAME_FIELD && before !== undefined && before.order === last.order) return fields.slice(0, -1);
  return fields;
}

const canonical = (path: string): string => (path === NAME_FIELD ? path : parseFieldPath(path).join("\u0000"));
const sameField = (a: string, b: string): boolean => canonical(a) === canonical(b);
