// Queries read through sorted indexes must return exactly what a scan of every document returns.
// Random documents and random queries (filters, or, in, array-contains, ranges, orders, cursors,
// limits, offsets), each run on two offline Firestores holding the same data: one reading
// indexes, one scanning. Updates and deletes between rounds exercise index maintenance.

import * as assert from "node:assert/strict";
import fc from "fast-check";
import { Filter, type Firestore, type Query, type QuerySnapshot } from "firebase-admin/firestore";
import { TEST_TIMEOUT_MS, UPSTREAM, connect, ids, type Client } from "./harness";
import { startOfflineFirestore, type OfflineFirestore } from "../src/index";

const value = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom("a", "b", "c", null, Number.NaN, 2.5));
const doc = fc.record(
  {
    a: value,
    b: value,
    n: fc.integer({ min: 0, max: 9 }),
    tags: fc.array(fc.constantFrom("x", "y", "z"), { maxLength: 3 }),
  },
  { requiredKeys: ["n"] },
);
const dataset = fc.dictionary(
  fc.constantFrom(...Array.from({ length: 24 }, (_, i) => `d${String(i).padStart(2, "0")}`)),
  doc,
  { maxKeys: 24 },
);

type Build = (q: Query) => Query;
const filterStep: fc.Arbitrary<Build> = fc.oneof(
  fc.tuple(fc.constantFrom("a", "b"), value).map(
    ([f, v]): Build =>
      (q) =>
        q.where(f, "==", v),
  ),
  fc
    .tuple(
      fc.constantFrom("a", "b"),
      fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom("a", "b")), { minLength: 1, maxLength: 3 }),
    )
    .map(
      ([f, vs]): Build =>
        (q) =>
          q.where(f, "in", vs),
    ),
  fc.constantFrom("x", "y").map(
    (t): Build =>
      (q) =>
        q.where("tags", "array-contains", t),
  ),
  fc.tuple(fc.constantFrom<"<" | "<=" | ">" | ">=">("<", "<=", ">", ">="), fc.integer({ min: 0, max: 9 })).map(
    ([op, v]): Build =>
      (q) =>
        q.where("n", op, v),
  ),
  fc.tuple(fc.constantFrom("a", "b"), value, value).map(
    ([f, v, w]): Build =>
      (q) =>
        q.where(Filter.or(Filter.where(f, "==", v), Filter.where("b", "==", w))),
  ),
);
interface QuerySpec {
  filters: Build[];
  order: ["n" | "a", "asc" | "desc"] | undefined;
  limit: number | undefined;
  offset: number | undefined;
  startAt: number | undefined;
}
const query: fc.Arbitrary<QuerySpec> = fc.record({
  filters: fc.array(filterStep, { maxLength: 2 }),
  order: fc.option(
    fc.constantFrom<["n" | "a", "asc" | "desc"]>(["n", "asc"], ["n", "desc"], ["a", "asc"], ["a", "desc"]),
    { nil: undefined },
  ),
  limit: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  offset: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  startAt: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
});

function build(db: Firestore, spec: QuerySpec): Query {
  let q: Query = db.collection("rows");
  for (const step of spec.filters) q = step(q);
  if (spec.order !== undefined) q = q.orderBy(...spec.order);
  if (spec.order?.[0] === "n" && spec.startAt !== undefined) q = q.startAt(spec.startAt);
  if (spec.offset !== undefined) q = q.offset(spec.offset);
  if (spec.limit !== undefined) q = q.limit(spec.limit);
  return q;
}

async function replace(db: Firestore, rows: Record<string, object>, keep: Set<string>): Promise<void> {
  const batch = db.batch();
  for (const id of keep) if (!(id in rows)) batch.delete(db.doc(`rows/${id}`));
  for (const [id, row] of Object.entries(rows)) batch.set(db.doc(`rows/${id}`), row);
  await batch.commit();
}

describe("firestore-offline: indexed queries return what a full scan returns", function () {
  this.timeout(TEST_TIMEOUT_MS * 12);
  const servers: OfflineFirestore[] = [];
  const clients: Client[] = [];
  const previousHost = process.env.FIRESTORE_EMULATOR_HOST;
  before(async function () {
    if (UPSTREAM) this.skip(); // compares firestore-offline with itself
    for (const scanEveryQuery of [false, true]) {
      const server = await startOfflineFirestore({ port: 0, scanEveryQuery });
      servers.push(server);
      clients.push(
        connect(
          {
            kind: "offline",
            port: server.port,
            hostPort: `127.0.0.1:${server.port}`,
            offline: server,
            clear: () => server.clear(),
            stop: () => server.stop(),
          },
          { projectId: "demo-indexed" },
        ),
      );
    }
  });
  after(async () => {
    for (const client of clients) await client.close();
    for (const server of servers) await server.stop();
    process.env.FIRESTORE_EMULATOR_HOST = previousHost;
  });

  it("over random data, updates and queries", async () => {
    const [indexed, scanned] = clients;
    assert.ok(indexed !== undefined && scanned !== undefined);
    let present = new Set<string>();
    await fc.assert(
      fc.asyncProperty(dataset, fc.array(query, { minLength: 4, maxLength: 8 }), async (rows, queries) => {
        await Promise.all([replace(indexed.db, rows, present), replace(scanned.db, rows, present)]);
        present = new Set(Object.keys(rows));
        for (const spec of queries) {
          const [a, b]: [QuerySnapshot, QuerySnapshot] = await Promise.all([
            build(indexed.db, spec).get(),
            build(scanned.db, spec).get(),
          ]);
          assert.deepEqual(ids(a), ids(b));
        }
      }),
      { numRuns: 40 },
    );
  });
});
