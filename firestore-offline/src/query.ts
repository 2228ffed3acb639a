// StructuredQuery evaluation: collection / collection-group selection, filters, ordering
// (explicit, then inequality fields, then __name__), cursors, offset, limit, projection, and the
// aggregations of RunAggregationQuery.
//
// Planning splits the filter into its disjunctive normal form; each disjunct has a shape (its
// equality, array-contains and order fields) that production would serve from one index. With
// the project's index definitions loaded, a shape that needs an undeclared composite index is
// refused (index-config.ts). Reads of the latest state then walk, per disjunct, the range of
// that index (index-store.ts) in query order and stop once offset + limit documents matched;
// every candidate is still checked against the whole query. Reads at a past read time, and
// shapes no single index orders (collection groups, kindless queries), scan every document.

import { status } from "@grpc/grpc-js";
import { RpcError, invalidArgument } from "./errors";
import { assertFilterLimits } from "./limits";
import type { AggregationMsg, CursorMsg, FieldReferenceMsg, FilterMsg, StructuredQueryMsg } from "./proto";
import {
  NAME_FIELD,
  assertIndexed,
  matchingIndexes,
  servedBySingleFields,
  suggestedIndex,
  type IndexDefinition,
  type QueryShape,
} from "./index-config";
import type { IndexKeyField, Scan, SortedIndex, ValueRange } from "./index-store";
import { collectionIdOf, collectionOf, type DocumentStore, type StoredDocument } from "./store";
import {
  INT64_MAX,
  INT64_MIN,
  NULL_VALUE,
  compareNames,
  compareUtf8,
  compareValues,
  getField,
  isNaNValue,
  isNumber,
  normalizeValue,
  parseFieldPath,
  projectFields,
  typeOrder,
  valuesEquivalent,
  type Value,
} from "./values";

interface Ordering {
  /** Canonical field path text, or `__name__`. */
  field: string;
  path: string[];
  descending: boolean;
}

type Predicate = (doc: StoredDocument) => boolean;

/**
 * Runs a query: at `readTime` over every document then visible; on the latest state through
 * indexes where one orders the query. Refuses queries needing an undeclared index.
 */
export function runQuery(
  store: DocumentStore,
  parent: string,
  query: StructuredQueryMsg,
  readTime?: bigint,
): StoredDocument[] {
  const plan = planQuery(store, parent, query);
  const { orders, offset, limit } = plan;
  const end = limit === undefined ? Number.POSITIVE_INFINITY : offset + limit;
  const scans = readTime === undefined && store.indexes.enabled ? indexScans(store, plan) : undefined;
  let matched: StoredDocument[];
  if (scans === undefined) {
    matched = [...store.all(readTime)].filter(plan.matches);
  } else {
    // Each scan yields its disjunct's documents in query order: its first `end` matches suffice.
    const found = new Map<string, StoredDocument>();
    for (const scan of scans) {
      let taken = 0;
      for (const doc of scan) {
        if (taken >= end) break;
        if (!plan.matches(doc)) continue;
        taken++;
        found.set(doc.name, doc);
      }
    }
    matched = [...found.values()];
  }
  matched.sort((a, b) => compareDocuments(a, b, orders));
  return matched.slice(offset, end);
}

/** Validates a query and its index requirements without running it. */
export function checkQuery(store: DocumentStore, parent: string, query: StructuredQueryMsg): void {
  planQuery(store, parent, query);
}

interface Plan {
  query: StructuredQueryMsg;
  parent: string;
  orders: Ordering[];
  /** Whole-query test: scope, orderBy fields present, filter, cursors. */
  matches: Predicate;
  offset: number;
  limit: number | undefined;
  /** One per disjunct of the filter's normal form, with its terms. */
  disjuncts: { terms: Term[]; shape: QueryShape | undefined }[];
}

function planQuery(store: DocumentStore, parent: string, query: StructuredQueryMsg): Plan {
  if (query.findNearest !== undefined) throw new RpcError(status.UNIMPLEMENTED, "Vector search is not supported.");
  assertFilterLimits(query.where);
  const inScope = selector(parent, query);
  const orders = effectiveOrdering(query);
  const filter = query.where === undefined ? () => true : compileFilter(query.where);
  const ordered = orders.filter((o) => o.field !== NAME_FIELD);
  const cursors: Predicate[] = [];
  if (query.startAt !== undefined) {
    const { values, before } = cursor(query.startAt, orders);
    cursors.push((doc) => {
      const position = compareToCursor(doc, values, orders);
      return before ? position >= 0 : position > 0;
    });
  }
  if (query.endAt !== undefined) {
    const { values, before } = cursor(query.endAt, orders);
    cursors.push((doc) => {
      const position = compareToCursor(doc, values, orders);
      return before ? position < 0 : position <= 0;
    });
  }
  const offset = query.offset ?? 0;
  if (offset < 0) throw invalidArgument("offset must be non-negative.");
  const limit = query.limit === undefined ? undefined : (query.limit.value ?? 0);
  if (limit !== undefined && limit < 0) throw invalidArgument("limit must be non-negative.");

  const [from] = query.from;
  const collectionId = from?.collectionId;
  const scope = from?.allDescendants === true ? "COLLECTION_GROUP" : "COLLECTION";
  const disjuncts = normalForm(query.where).map((terms) => ({
    terms,
    // Kindless queries (no collection id) only order by name: production needs no index.
    shape: collectionId === undefined ? undefined : shapeOf(collectionId, scope, terms, orders),
  }));
  const config = store.indexConfig;
  if (config !== undefined) for (const { shape } of disjuncts) if (shape !== undefined) assertIndexed(config, shape);

  return {
    query,
    parent,
    orders,
    // Production answers from an index on the orderBy fields, so documents lacking one are absent.
    matches: (doc) =>
      inScope(doc) &&
      ordered.every((o) => getField(doc.fields, o.path) !== undefined) &&
      filter(doc) &&
      cursors.every((c) => c(doc)),
    offset,
    limit,
    disjuncts,
  };
}

// ---------------------------------------------------------------------------------------------
// Normal form, shapes and index scans

/** One simple filter of a disjunct (`in` and `array-contains-any` expanded to one value each). */
interface Term {
  field: string;
  path: string[];
  op: string;
  value: Value | undefined;
}

const EQUALITY_OPS = new Set(["EQUAL", "IS_NULL", "IS_NAN"]);
const RANGE_OPS = new Set(["LESS_THAN", "LESS_THAN_OR_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL"]);

/** The filter as a disjunction of conjunctions of terms (bounded by assertFilterLimits). */
function normalForm(filter: FilterMsg | undefined): Term[][] {
  if (filter === undefined) return [[]];
  const composite = filter.compositeFilter;
  if (composite !== undefined) {
    const parts = composite.filters.map(normalForm);
    if (composite.op === "OR") return parts.flat();
    return parts.reduce<Term[][]>((acc, part) => acc.flatMap((left) => part.map((right) => [...left, ...right])), [[]]);
  }
  const simple = filter.fieldFilter ?? filter.unaryFilter;
  if (simple === undefined) throw invalidArgument("Empty filter.");
  const field = fieldText(simple.field);
  const path = field === NAME_FIELD ? [] : parseFieldPath(field);
  const op = simple.op ?? "";
  const value = filter.fieldFilter?.value === undefined ? undefined : normalizeValue(filter.fieldFilter.value);
  const expanded = { IN: "EQUAL", ARRAY_CONTAINS_ANY: "ARRAY_CONTAINS" }[op];
  if (expanded !== undefined && value !== undefined && "arrayValue" in value) {
    return value.arrayValue.values.map((v) => [{ field, path, op: expanded, value: v }]);
  }
  return [[{ field, path, op, value }]];
}

const pathKey = (path: readonly string[]): string => path.join("\u0000");

function shapeOf(collectionId: string, scope: QueryShape["scope"], terms: Term[], orders: Ordering[]): QueryShape {
  const unique = (paths: Term[]) => [...new Map(paths.map((t) => [pathKey(t.path), t.field])).values()];
  const equal = terms.filter((t) => t.field !== NAME_FIELD && EQUALITY_OPS.has(t.op));
  const contains = terms.filter((t) => t.field !== NAME_FIELD && t.op === "ARRAY_CONTAINS");
  const fixed = new Set(equal.map((t) => pathKey(t.path)));
  const shapeOrders = orders.filter((o) => o.field === NAME_FIELD || !fixed.has(pathKey(o.path)));
  const last = shapeOrders.at(-1);
  const previous = shapeOrders.at(-2);
  // A trailing __name__ in the direction of the order before it is implicit in every index.
  if (last?.field === NAME_FIELD && (previous === undefined || previous.descending === last.descending))
    shapeOrders.pop();
  return {
    collectionId,
    scope,
    equalities: unique(equal),
    contains: unique(contains),
    orders: shapeOrders.map((o) => ({ field: o.field, descending: o.descending })),
  };
}

/** One document iterator per disjunct, each in query order; undefined when some disjunct has no index. */
function indexScans(store: DocumentStore, plan: Plan): Iterable<StoredDocument>[] | undefined {
  const scans: Iterable<StoredDocument>[] = [];
  for (const { terms, shape } of plan.disjuncts) {
    if (shape === undefined || shape.scope !== "COLLECTION") return undefined;
    const collection = `${plan.parent}/${shape.collectionId}`;
    const nameDescending = plan.orders.at(-1)?.descending ?? false;
    const chosen = chooseScan(store, shape, terms, collection, nameDescending);
    if (chosen === undefined) return undefined;
    scans.push(chosen.index.scan(chosen.scan));
  }
  return scans;
}

function chooseScan(
  store: DocumentStore,
  shape: QueryShape,
  terms: Term[],
  collection: string,
  nameDescending: boolean,
): { index: SortedIndex; scan: Scan } | undefined {
  if (shape.orders.some((o) => o.field === NAME_FIELD)) return undefined;
  const termFor = (field: string, ops: Set<string>) =>
    terms.find((t) => pathKey(t.path) === pathKey(parseFieldPath(field)) && ops.has(t.op));
  const [first] = shape.orders;
  if (!servedBySingleFields(shape)) {
    const declared =
      store.indexConfig === undefined ? [suggestedIndex(shape)] : matchingIndexes(store.indexConfig, shape);
    const widest = declared.sort((a, b) => b.fields.length - a.fields.length)[0];
    if (widest === undefined) return undefined;
    const fields = keyFields(widest);
    const prefixLength = fields.length - shape.orders.length;
    const prefix: Value[] = [];
    for (const field of widest.fields.slice(0, prefixLength)) {
      const term = termFor(
        field.fieldPath,
        field.arrayConfig === "CONTAINS" ? new Set(["ARRAY_CONTAINS"]) : EQUALITY_OPS,
      );
      const value = term === undefined ? undefined : termValue(term);
      if (value === undefined) return undefined;
      prefix.push(value);
    }
    const index = store.indexes.get(shape.collectionId, fields);
    return { index, scan: { collection, prefix, range: first && rangeOf(terms, first.field), reverse: false } };
  }
  if (first !== undefined) {
    const index = store.indexes.get(shape.collectionId, [{ path: parseFieldPath(first.field), mode: "asc" }]);
    return { index, scan: { collection, prefix: [], range: rangeOf(terms, first.field), reverse: first.descending } };
  }
  // Equalities only: the narrowest single-field range, read in name order.
  const candidates = [
    ...shape.equalities.map((field) => ({ field, mode: "asc" as const, term: termFor(field, EQUALITY_OPS) })),
    ...shape.contains.map((field) => ({
      field,
      mode: "contains" as const,
      term: termFor(field, new Set(["ARRAY_CONTAINS"])),
    })),
  ].flatMap(({ field, mode, term }) => {
    const value = term === undefined ? undefined : termValue(term);
    if (value === undefined) return [];
    const index = store.indexes.get(shape.collectionId, [{ path: parseFieldPath(field), mode }]);
    const scan: Scan = { collection, prefix: [value], reverse: nameDescending };
    return [{ index, scan, size: index.count(scan) }];
  });
  if (candidates.length === 0)
    return {
      index: store.indexes.get(shape.collectionId, []),
      scan: { collection, prefix: [], reverse: nameDescending },
    };
  return candidates.reduce((a, b) => (b.size < a.size ? b : a));
}

/** An index definition's key fields (a trailing __name__ is every index's tie-break). */
function keyFields(index: IndexDefinition): IndexKeyField[] {
  return index.fields
    .filter((f) => f.fieldPath !== NAME_FIELD)
    .map((f) => ({
      path: parseFieldPath(f.fieldPath),
      mode: f.arrayConfig === "CONTAINS" ? "contains" : f.order === "DESCENDING" ? "desc" : "asc",
    }));
}

function termValue(term: Term): Value | undefined {
  if (term.op === "IS_NULL") return NULL_VALUE;
  if (term.op === "IS_NAN") return { doubleValue: Number.NaN };
  return term.value;
}

/** The tightest bounds the disjunct's range filters put on `field`, or undefined. */
function rangeOf(terms: Term[], field: string): ValueRange | undefined {
  const key = pathKey(parseFieldPath(field));
  let range: ValueRange | undefined;
  for (const term of terms) {
    if (pathKey(term.path) !== key || !RANGE_OPS.has(term.op) || term.value === undefined) continue;
    const bound = { value: term.value, inclusive: term.op.endsWith("_OR_EQUAL") };
    range ??= { typeClass: typeOrder(term.value) };
    if (typeOrder(term.value) !== range.typeClass) continue; // a superset: the filter decides
    if (term.op.startsWith("GREATER")) {
      if (range.lower === undefined || compareValues(bound.value, range.lower.value) > 0) range.lower = bound;
    } else if (range.upper === undefined || compareValues(bound.value, range.upper.value) < 0) {
      range.upper = bound;
    }
  }
  return range;
}

/** The field paths a query's `select` keeps, or undefined for whole documents. */
export function queryProjection(query: StructuredQueryMsg): string[][] | undefined {
  const fields = query.select?.fields ?? [];
  if (fields.length === 0) return undefined;
  return fields
    .map(fieldText)
    .filter((f) => f !== NAME_FIELD)
    .map(parseFieldPath);
}

export function project(doc: StoredDocument, paths: string[][] | undefined): StoredDocument {
  return paths === undefined ? doc : { ...doc, fields: projectFields(doc.fields, paths) };
}

// ---------------------------------------------------------------------------------------------

function selector(parent: string, query: StructuredQueryMsg): Predicate {
  const [from, ...more] = query.from;
  if (from === undefined || more.length > 0) throw invalidArgument("A query must select exactly one collection.");
  const prefix = `${parent}/`;
  const { collectionId, allDescendants } = from;
  if (allDescendants === true) {
    return (doc) =>
      doc.name.startsWith(prefix) && (collectionId === undefined || collectionIdOf(doc.name) === collectionId);
  }
  if (collectionId === undefined) throw invalidArgument("A query without all_descendants needs a collection id.");
  const collection = `${parent}/${collectionId}`;
  return (doc) => collectionOf(doc.name) === collection;
}

function fieldText(ref: FieldReferenceMsg | undefined): string {
  const text = ref?.fieldPath;
  if (text === undefined || text === "") throw invalidArgument("Missing field path.");
  return text;
}

function valueAt(doc: StoredDocument, field: string, path: string[]): Value | undefined {
  return field === NAME_FIELD ? { referenceValue: doc.name } : getField(doc.fields, path);
}

const INEQUALITY_OPS = new Set([
  "LESS_THAN",
  "LESS_THAN_OR_EQUAL",
  "GREATER_THAN",
  "GREATER_THAN_OR_EQUAL",
  "NOT_EQUAL",
  "NOT_IN",
  "IS_NOT_NAN",
  "IS_NOT_NULL",
]);

function inequalityFields(filter: FilterMsg | undefined, out: Set<string>): Set<string> {
  if (filter?.compositeFilter !== undefined) {
    for (const f of filter.compositeFilter.filters) inequalityFields(f, out);
  }
  const simple = filter?.fieldFilter ?? filter?.unaryFilter;
  if (simple !== undefined && INEQUALITY_OPS.has(simple.op ?? "")) out.add(fieldText(simple.field));
  return out;
}

/**
 * Explicit orderBy, then inequality fields not already ordered (in field-path order), then
 * __name__; implicit orders take the direction of the last explicit one.
 */
function effectiveOrdering(query: StructuredQueryMsg): Ordering[] {
  const orders: Ordering[] = query.orderBy.map((o) => {
    const field = fieldText(o.field);
    return { field, path: field === NAME_FIELD ? [] : parseFieldPath(field), descending: o.direction === "DESCENDING" };
  });
  const descending = orders.at(-1)?.descending ?? false;
  const explicit = new Set(orders.map((o) => o.path.join("\u0000")));
  const implicit = [...inequalityFields(query.where, new Set())]
    .filter((f) => f !== NAME_FIELD)
    .map((field) => ({ field, path: parseFieldPath(field), descending }))
    .filter((o) => !explicit.has(o.path.join("\u0000")))
    .sort((a, b) => compareFieldPaths(a.path, b.path));
  orders.push(...implicit);
  if (!orders.some((o) => o.field === NAME_FIELD)) orders.push({ field: NAME_FIELD, path: [], descending });
  return orders;
}

function compareFieldPaths(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const bySegment = compareUtf8(a[i] ?? "", b[i] ?? "");
    if (bySegment !== 0) return bySegment;
  }
  return a.length - b.length;
}

function compareDocuments(a: StoredDocument, b: StoredDocument, orders: Ordering[]): number {
  for (const o of orders) {
    const [x, y] = [valueAt(a, o.field, o.path), valueAt(b, o.field, o.path)];
    if (x === undefined || y === undefined) continue;
    const byField = o.field === NAME_FIELD ? compareNames(a.name, b.name) : compareValues(x, y);
    if (byField !== 0) return o.descending ? -byField : byField;
  }
  return 0;
}

function cursor(msg: CursorMsg, orders: Ordering[]): { values: Value[]; before: boolean } {
  if (msg.values.length > orders.length) throw invalidArgument("Cursor has more values than the query has orderings.");
  return { values: msg.values.map(normalizeValue), before: msg.before === true };
}

/** <0: doc sorts before the cursor position; 0: at it (on the cursor's prefix); >0: after. */
function compareToCursor(doc: StoredDocument, values: Value[], orders: Ordering[]): number {
  for (const [i, cursorValue] of values.entries()) {
    const o = orders[i];
    if (o === undefined) break;
    const value = valueAt(doc, o.field, o.path);
    if (value === undefined) continue;
    let byField: number;
    if (o.field === NAME_FIELD) {
      if (!("referenceValue" in cursorValue)) throw invalidArgument("A __name__ cursor value must be a reference.");
      byField = compareNames(doc.name, cursorValue.referenceValue);
    } else {
      byField = compareValues(value, cursorValue);
    }
    if (byField !== 0) return o.descending ? -byField : byField;
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Filters

function compileFilter(filter: FilterMsg): Predicate {
  if (filter.compositeFilter !== undefined) {
    const parts = filter.compositeFilter.filters.map(compileFilter);
    switch (filter.compositeFilter.op) {
      case "AND":
        return (doc) => parts.every((p) => p(doc));
      case "OR":
        return (doc) => parts.some((p) => p(doc));
      default:
        throw invalidArgument(`Unsupported composite filter operator ${String(filter.compositeFilter.op)}.`);
    }
  }
  if (filter.fieldFilter !== undefined) {
    const { op, value } = filter.fieldFilter;
    const field = fieldText(filter.fieldFilter.field);
    const path = field === NAME_FIELD ? [] : parseFieldPath(field);
    if (value === undefined) throw invalidArgument("A field filter needs a value.");
    const test = fieldTest(op ?? "", normalizeValue(value));
    return (doc) => test(valueAt(doc, field, path));
  }
  if (filter.unaryFilter !== undefined) {
    const field = fieldText(filter.unaryFilter.field);
    const path = field === NAME_FIELD ? [] : parseFieldPath(field);
    const test = unaryTest(filter.unaryFilter.op ?? "");
    return (doc) => test(valueAt(doc, field, path));
  }
  throw invalidArgument("Empty filter.");
}

type FieldTest = (value: Value | undefined) => boolean;

const isNull = (value: Value): boolean => "nullValue" in value;

function arrayOperand(operand: Value, op: string): Value[] {
  if (!("arrayValue" in operand)) throw invalidArgument(`${op} needs an array value.`);
  return operand.arrayValue.values;
}

/**
 * Semantics follow production: range filters only match values of the operand's type class, and
 * NaN matches no range filter (it is neither below nor above any number, nor itself).
 */
function fieldTest(op: string, operand: Value): FieldTest {
  const sameClass = (v: Value) => typeOrder(v) === typeOrder(operand);
  const compared =
    (accept: (c: number) => boolean): FieldTest =>
    (v) =>
      v !== undefined && sameClass(v) && accept(compareValues(v, operand));
  const range = (accept: (c: number) => boolean): FieldTest => {
    if (isNaNValue(operand)) return () => false;
    const test = compared(accept);
    return (v) => test(v) && v !== undefined && !isNaNValue(v);
  };
  switch (op) {
    case "LESS_THAN":
      return range((c) => c < 0);
    case "LESS_THAN_OR_EQUAL":
      return range((c) => c <= 0);
    case "GREATER_THAN":
      return range((c) => c > 0);
    case "GREATER_THAN_OR_EQUAL":
      return range((c) => c >= 0);
    case "EQUAL":
      return compared((c) => c === 0);
    case "NOT_EQUAL":
      // != excludes documents where the field is missing or null.
      return (v) => v !== undefined && !isNull(v) && compareValues(v, operand) !== 0;
    case "ARRAY_CONTAINS":
      return (v) =>
        v !== undefined && "arrayValue" in v && v.arrayValue.values.some((e) => valuesEquivalent(e, operand));
    case "ARRAY_CONTAINS_ANY": {
      const wanted = arrayOperand(operand, op);
      return (v) =>
        v !== undefined &&
        "arrayValue" in v &&
        v.arrayValue.values.some((e) => wanted.some((w) => valuesEquivalent(e, w)));
    }
    case "IN": {
      const wanted = arrayOperand(operand, op);
      return (v) => v !== undefined && wanted.some((w) => valuesEquivalent(v, w));
    }
    case "NOT_IN": {
      const excluded = arrayOperand(operand, op);
      if (excluded.some(isNull)) return () => false;
      return (v) => v !== undefined && !isNull(v) && !excluded.some((e) => valuesEquivalent(v, e));
    }
    default:
      throw invalidArgument(`Unsupported field filter operator ${op}.`);
  }
}

function unaryTest(op: string): FieldTest {
  switch (op) {
    case "IS_NAN":
      return (v) => v !== undefined && isNaNValue(v);
    case "IS_NULL":
      return (v) => v !== undefined && isNull(v);
    case "IS_NOT_NAN":
      return (v) => v !== undefined && !isNull(v) && !isNaNValue(v);
    case "IS_NOT_NULL":
      return (v) => v !== undefined && !isNull(v);
    default:
      throw invalidArgument(`Unsupported unary filter operator ${op}.`);
  }
}

// ---------------------------------------------------------------------------------------------
// Aggregations

/** Production's cap on aggregations in one RunAggregationQuery. */
export const MAX_AGGREGATIONS = 5;

/**
 * Evaluates count / sum / avg over the documents a query returned. As in production, only
 * documents that have every field a sum or avg names take part (count included).
 */
export function aggregate(
  queried: readonly StoredDocument[],
  aggregations: readonly AggregationMsg[],
): Record<string, Value> {
  if (aggregations.length === 0 || aggregations.length > MAX_AGGREGATIONS) {
    throw invalidArgument(
      `An aggregation query must have between 1 and ${MAX_AGGREGATIONS} aggregations, but it has ${aggregations.length}.`,
    );
  }
  const fields = aggregations.flatMap((a) => {
    const ref = (a.sum ?? a.avg)?.field;
    return ref === undefined ? [] : [parseFieldPath(fieldText(ref))];
  });
  const docs = queried.filter((d) => fields.every((path) => getField(d.fields, path) !== undefined));
  const out: Record<string, Value> = {};
  aggregations.forEach((aggregation, i) => {
    const alias = aggregation.alias ?? `field_${i + 1}`;
    if (aggregation.count !== undefined) {
      const upTo = aggregation.count.upTo === undefined ? undefined : BigInt(aggregation.count.upTo.value ?? "0");
      const count = BigInt(docs.length);
      out[alias] = { integerValue: (upTo !== undefined && upTo < count ? upTo : count).toString() };
    } else if (aggregation.sum !== undefined || aggregation.avg !== undefined) {
      const path = parseFieldPath(fieldText((aggregation.sum ?? aggregation.avg)?.field));
      const numbers = docs
        .map((d) => getField(d.fields, path))
        .filter((v): v is Value => v !== undefined && isNumber(v));
      out[alias] = aggregation.sum !== undefined ? sum(numbers) : average(numbers);
    } else {
      throw invalidArgument(`Aggregation ${alias} has no operator.`);
    }
  });
  return out;
}

/** Integer while every operand is an integer and the total fits in int64; double otherwise. */
function sum(values: Value[]): Value {
  let integerTotal = 0n;
  let doubleTotal = 0;
  let anyDouble = false;
  for (const v of values) {
    if ("integerValue" in v) {
      integerTotal += BigInt(v.integerValue);
      doubleTotal += Number(v.integerValue);
    } else if ("doubleValue" in v) {
      anyDouble = true;
      doubleTotal += v.doubleValue;
    }
  }
  const fits = integerTotal <= INT64_MAX && integerTotal >= INT64_MIN;
  return anyDouble || !fits ? { doubleValue: doubleTotal } : { integerValue: integerTotal.toString() };
}

function average(values: Value[]): Value {
  if (values.length === 0) return NULL_VALUE;
  const total = sum(values);
  const asDouble =
    "integerValue" in total ? Number(total.integerValue) : "doubleValue" in total ? total.doubleValue : 0;
  return { doubleValue: asDouble / values.length };
}
