// Indexes kept as sorted arrays over the latest documents, so a query reads only its range.
//
// An index is a list of fields (each ascending, descending, or "contains" for array
// membership) over one collection id. Its entries are (collection path, the fields' values,
// document name), sorted field by field in each field's direction, then by name in the
// direction of the last field (production's implicit __name__ order). A document lacking any
// of the fields is not in the index; an array field indexed as "contains" has one entry per
// distinct element. The index with no fields orders a collection by name.
//
// Indexes are built on first use and from then on updated on every commit (binary search and
// splice), so each costs memory only once a query has needed it. Reads at a past read time
// (read-only transactions, `read_time`) do not use them: indexes hold the latest state only.

import type { StoredDocument } from "./store";
import { collectionIdOf, collectionOf } from "./store";
import { compareNames, compareUtf8, compareValues, getField, typeOrder, valuesEquivalent, type Value } from "./values";

export interface IndexKeyField {
  path: string[];
  mode: "asc" | "desc" | "contains";
}

interface Entry {
  collection: string;
  values: Value[];
  name: string;
  doc: StoredDocument;
}

/** Bounds on the first field after an index scan's equality prefix, in ascending value terms. */
export interface ValueRange {
  /** Type class (typeOrder) the range lies in: range filters match only their operand's class. */
  typeClass: number;
  lower?: { value: Value; inclusive: boolean };
  upper?: { value: Value; inclusive: boolean };
}

export interface Scan {
  collection: string;
  /** Values of the index's leading fields (equality or contains values). */
  prefix: Value[];
  range?: ValueRange;
  /** Walk the range backwards (an ascending single-field index read for a descending order). */
  reverse: boolean;
}

const sign = (n: number): number => (n > 0 ? 1 : n < 0 ? -1 : 0);

export class SortedIndex {
  private readonly entries: Entry[] = [];

  constructor(
    readonly collectionId: string,
    readonly fields: readonly IndexKeyField[],
  ) {}

  get size(): number {
    return this.entries.length;
  }

  build(docs: Iterable<StoredDocument>): void {
    this.entries.length = 0;
    for (const doc of docs)
      if (collectionIdOf(doc.name) === this.collectionId) this.entries.push(...this.entriesOf(doc));
    this.entries.sort((a, b) => this.compare(a, b));
  }

  /** Replaces `before`'s entries by `after`'s (either may be undefined). */
  update(before: StoredDocument | undefined, after: StoredDocument | undefined): void {
    for (const entry of before === undefined ? [] : this.entriesOf(before)) {
      const at = this.lowerBound((e) => this.compare(e, entry) < 0);
      if (this.entries[at]?.name === entry.name) this.entries.splice(at, 1);
    }
    for (const entry of after === undefined ? [] : this.entriesOf(after)) {
      this.entries.splice(
        this.lowerBound((e) => this.compare(e, entry) < 0),
        0,
        entry,
      );
    }
  }

  /** The documents in the scan's range, in index order (or reversed). */
  *scan(scan: Scan): Generator<StoredDocument> {
    const prefixCompare = (e: Entry) => this.comparePrefix(e, scan.collection, scan.prefix);
    let begin = this.lowerBound((e) => prefixCompare(e) < 0);
    let end = this.lowerBound((e) => prefixCompare(e) <= 0, begin);
    const field = this.fields[scan.prefix.length];
    if (scan.range !== undefined && field !== undefined && field.mode !== "contains") {
      const k = scan.prefix.length;
      const { below, above } = rangeTests(scan.range);
      // In a descending field the range's upper end comes first.
      const [first, last] = field.mode === "asc" ? [below, above] : [above, below];
      begin = this.lowerBound((e) => first(valueAtKey(e, k)), begin, end);
      end = this.lowerBound((e) => !last(valueAtKey(e, k)), begin, end);
    }
    if (scan.reverse) {
      for (let i = end - 1; i >= begin; i--) yield entryAt(this.entries, i).doc;
    } else {
      for (let i = begin; i < end; i++) yield entryAt(this.entries, i).doc;
    }
  }

  /** Entries a scan would read (for choosing the narrowest of several single-field scans). */
  count(scan: Scan): number {
    const prefixCompare = (e: Entry) => this.comparePrefix(e, scan.collection, scan.prefix);
    const begin = this.lowerBound((e) => prefixCompare(e) < 0);
    return this.lowerBound((e) => prefixCompare(e) <= 0, begin) - begin;
  }

  private entriesOf(doc: StoredDocument): Entry[] {
    const collection = collectionOf(doc.name);
    let keys: Value[][] = [[]];
    for (const field of this.fields) {
      const value = getField(doc.fields, field.path);
      if (value === undefined) return [];
      if (field.mode === "contains") {
        if (!("arrayValue" in value)) return [];
        const distinct: Value[] = [];
        for (const element of value.arrayValue.values) {
          if (!distinct.some((d) => valuesEquivalent(d, element))) distinct.push(element);
        }
        keys = keys.flatMap((key) => distinct.map((element) => [...key, element]));
      } else {
        keys = keys.map((key) => [...key, value]);
      }
    }
    return keys.map((values) => ({ collection, values, name: doc.name, doc }));
  }

  private compare(a: Entry, b: Entry): number {
    const prefix = this.comparePrefix(a, b.collection, b.values);
    if (prefix !== 0) return prefix;
    const byName = compareNames(a.name, b.name);
    return this.fields.at(-1)?.mode === "desc" ? -byName : byName;
  }

  /** Compares an entry with a collection and leading values (as many as given). */
  private comparePrefix(e: Entry, collection: string, values: readonly Value[]): number {
    const byCollection = compareUtf8(e.collection, collection);
    if (byCollection !== 0) return byCollection;
    for (const [i, value] of values.entries()) {
      const mine = e.values[i];
      if (mine === undefined) break;
      const byValue = compareValues(mine, value);
      if (byValue !== 0) return this.fields[i]?.mode === "desc" ? -byValue : byValue;
    }
    return 0;
  }

  /** First index in [from, to) where `before` is false (`before` holds for a leading run). */
  private lowerBound(before: (e: Entry) => boolean, from = 0, to = this.entries.length): number {
    let [lo, hi] = [from, to];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(entryAt(this.entries, mid))) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function entryAt(entries: Entry[], i: number): Entry {
  const entry = entries[i];
  if (entry === undefined) throw new Error(`index entry ${i} out of range`);
  return entry;
}

function valueAtKey(e: Entry, k: number): Value {
  const value = e.values[k];
  if (value === undefined) throw new Error(`index entry without key field ${k}`);
  return value;
}

/** below(v): v sorts before the range; above(v): v sorts after it (ascending value order). */
function rangeTests(range: ValueRange): { below: (v: Value) => boolean; above: (v: Value) => boolean } {
  const { typeClass, lower, upper } = range;
  return {
    below: (v) => {
      const byClass = sign(typeOrder(v) - typeClass);
      if (byClass !== 0 || lower === undefined) return byClass < 0;
      const c = compareValues(v, lower.value);
      return c < 0 || (c === 0 && !lower.inclusive);
    },
    above: (v) => {
      const byClass = sign(typeOrder(v) - typeClass);
      if (byClass !== 0 || upper === undefined) return byClass > 0;
      const c = compareValues(v, upper.value);
      return c > 0 || (c === 0 && !upper.inclusive);
    },
  };
}

/** Every index built so far, kept current through the store's commits. */
export class IndexSet {
  private readonly built = new Map<string, SortedIndex>();
  /** When false, queries scan every document (a benchmark's baseline). */
  enabled = true;

  constructor(private readonly latest: () => Iterable<StoredDocument>) {}

  /** The index over `collectionId` with these fields, built now if it is the first use. */
  get(collectionId: string, fields: readonly IndexKeyField[]): SortedIndex {
    const key = JSON.stringify([collectionId, fields]);
    let index = this.built.get(key);
    if (index === undefined) {
      index = new SortedIndex(collectionId, fields);
      index.build(this.latest());
      this.built.set(key, index);
    }
    return index;
  }

  changed(before: StoredDocument | undefined, after: StoredDocument | undefined): void {
    const collectionId = collectionIdOf((before ?? after)?.name ?? "");
    for (const index of this.built.values()) if (index.collectionId === collectionId) index.update(before, after);
  }

  /** Forgets every index (after a clear or import); they are rebuilt on next use. */
  reset(): void {
    this.built.clear();
  }
}
