// Every query shape firebase-admin can send, checked against what production returns.

import * as assert from "node:assert/strict";
import { AggregateField, FieldPath, Filter, GeoPoint, Timestamp, type Firestore } from "firebase-admin/firestore";
import { TEST_TIMEOUT_MS, ids, useTarget } from "./harness";

async function seed(db: Firestore): Promise<void> {
  const batch = db.batch();
  const items = db.collection("items");
  batch.set(items.doc("a"), { n: 1, s: "apple", tags: ["red", "blue"], nested: { k: 10 }, cat: "A", price: 1.5 });
  batch.set(items.doc("b"), { n: 2, s: "banana", tags: ["yellow"], nested: { k: 20 }, cat: "B", price: 2 });
  batch.set(items.doc("c"), { n: 3, s: "cherry", tags: ["red"], nested: { k: 30 }, cat: "A", price: 3.25 });
  batch.set(items.doc("d"), { n: 4, s: "date", tags: [], nested: { k: 40 }, cat: "B", price: null });
  batch.set(items.doc("e"), { n: 5, cat: "C" });
  batch.set(items.doc("f"), { s: "fig", cat: null });
  await batch.commit();
}

describe("firestore-offline: queries", function () {
  this.timeout(TEST_TIMEOUT_MS);
  const { client } = useTarget();
  const items = () => client().db.collection("items");
  beforeEach(() => seed(client().db));

  describe("field filters", () => {
    it("==, <, <=, >, >=", async () => {
      assert.deepEqual(ids(await items().where("cat", "==", "A").get()), ["a", "c"]);
      assert.deepEqual(ids(await items().where("n", "<", 3).get()), ["a", "b"]);
      assert.deepEqual(ids(await items().where("n", "<=", 3).get()), ["a", "b", "c"]);
      assert.deepEqual(ids(await items().where("n", ">", 3).get()), ["d", "e"]);
      assert.deepEqual(ids(await items().where("n", ">=", 4).get()), ["d", "e"]);
      assert.deepEqual(
        ids(await items().where("price", ">=", 2).get()),
        ["b", "c"],
        "int and double compare numerically",
      );
    });

    it("range filters only match values of the same type", async () => {
      assert.deepEqual(ids(await items().where("s", ">", "").get()), ["a", "b", "c", "d", "f"]);
      assert.deepEqual(ids(await items().where("n", ">", "").get()), []);
    });

    it("!= and not-in exclude documents where the field is missing or null", async () => {
      assert.deepEqual(ids(await items().where("cat", "!=", "A").get()), ["b", "d", "e"]);
      assert.deepEqual(ids(await items().where("cat", "not-in", ["A", "C"]).get()), ["b", "d"]);
    });

    it("in, array-contains, array-contains-any", async () => {
      assert.deepEqual(ids(await items().where("cat", "in", ["A", "C"]).get()), ["a", "c", "e"]);
      assert.deepEqual(ids(await items().where("tags", "array-contains", "red").get()), ["a", "c"]);
      assert.deepEqual(ids(await items().where("tags", "array-contains-any", ["yellow", "blue"]).get()), ["a", "b"]);
    });

    it("== null, != null, == NaN, != NaN (unary filters)", async () => {
      const { db } = client();
      assert.deepEqual(ids(await items().where("cat", "==", null).get()), ["f"]);
      assert.deepEqual(ids(await items().where("cat", "!=", null).get()), ["a", "c", "b", "d", "e"]);
      const nums = db.collection("nums");
      await nums.doc("nan").set({ v: NaN });
      await nums.doc("one").set({ v: 1 });
      await nums.doc("text").set({ v: "x" });
      await nums.doc("null").set({ v: null });
      assert.deepEqual(ids(await nums.where("v", "==", NaN).get()), ["nan"]);
      assert.deepEqual(ids(await nums.where("v", "!=", NaN).get()), ["one", "text"]);
    });

    it("where on a nested field", async () => {
      assert.deepEqual(ids(await items().where("nested.k", ">", 15).get()), ["b", "c", "d"]);
      assert.deepEqual(ids(await items().where(new FieldPath("nested", "k"), "==", 10).get()), ["a"]);
    });

    it("Filter.or and nested Filter.and", async () => {
      const filter = Filter.or(
        Filter.where("cat", "==", "A"),
        Filter.and(Filter.where("n", ">=", 4), Filter.where("cat", "==", "C")),
      );
      assert.deepEqual(ids(await items().where(filter).get()), ["a", "c", "e"]);
      const either = Filter.or(Filter.where("tags", "array-contains", "yellow"), Filter.where("s", "==", "fig"));
      assert.deepEqual(ids(await items().where(either).get()), ["b", "f"]);
    });

    it("FieldPath.documentId(): filters and ordering by name", async () => {
      const byId = FieldPath.documentId();
      assert.deepEqual(ids(await items().where(byId, "in", ["a", "c", "zz"]).get()), ["a", "c"]);
      assert.deepEqual(ids(await items().where(byId, ">=", "c").where(byId, "<", "e").get()), ["c", "d"]);
      assert.deepEqual(ids(await items().orderBy(byId, "desc").limit(2).get()), ["f", "e"]);
      assert.deepEqual(ids(await items().where(byId, "==", "b").get()), ["b"]);
    });
  });

  describe("ordering, limits and cursors", () => {
    it("orderBy asc/desc over several fields; documents lacking an orderBy field are excluded", async () => {
      // f lacks n, so it is absent even though its cat (null) sorts first.
      assert.deepEqual(ids(await items().orderBy("cat").orderBy("n", "desc").get()), ["c", "a", "d", "b", "e"]);
      assert.deepEqual(ids(await items().orderBy("cat").get()), ["f", "a", "c", "b", "d", "e"]);
      assert.deepEqual(ids(await items().orderBy("s").get()), ["a", "b", "c", "d", "f"]);
      assert.deepEqual(ids(await items().orderBy("s", "desc").get()), ["f", "d", "c", "b", "a"]);
    });

    it("an inequality filter orders by its field first (several inequality fields: in field-path order)", async () => {
      const { db } = client();
      const col = db.collection("ineq");
      await col.doc("x").set({ v: 3, w: 1 });
      await col.doc("y").set({ v: 1, w: 2 });
      await col.doc("z").set({ v: 2, w: 3 });
      assert.deepEqual(ids(await col.where("v", ">", 0).get()), ["y", "z", "x"]);
      assert.deepEqual(ids(await col.where("w", "<", 3).where("v", ">", 0).get()), ["y", "x"]);
    });

    it("limit, limitToLast, offset", async () => {
      assert.deepEqual(ids(await items().orderBy("n", "desc").limit(2).get()), ["e", "d"]);
      assert.deepEqual(ids(await items().orderBy("n").limitToLast(2).get()), ["d", "e"]);
      assert.deepEqual(ids(await items().orderBy("n").offset(1).limit(2).get()), ["b", "c"]);
      assert.deepEqual(ids(await items().orderBy("n").offset(10).get()), []);
    });

    it("startAt / startAfter / endAt / endBefore with values", async () => {
      assert.deepEqual(ids(await items().orderBy("n").startAt(2).endBefore(4).get()), ["b", "c"]);
      assert.deepEqual(ids(await items().orderBy("n").startAfter(2).endAt(4).get()), ["c", "d"]);
      assert.deepEqual(ids(await items().orderBy("n", "desc").startAfter(4).get()), ["c", "b", "a"]);
      assert.deepEqual(ids(await items().orderBy("cat").orderBy("n").startAt("A", 3).endAt("B", 2).get()), ["c", "b"]);
    });

    it("cursors from document snapshots", async () => {
      const b = await items().doc("b").get();
      const c = await items().doc("c").get();
      assert.deepEqual(ids(await items().orderBy("n").startAfter(b).get()), ["c", "d", "e"]);
      assert.deepEqual(ids(await items().orderBy("cat").orderBy("n").startAt(b).get()), ["b", "d", "e"]);
      assert.deepEqual(ids(await items().startAfter(c).get()), ["d", "e", "f"]);
      assert.deepEqual(ids(await items().orderBy("n").endBefore(c).get()), ["a", "b"]);
      assert.deepEqual(ids(await items().orderBy("n").limitToLast(2).endAt(c).get()), ["b", "c"]);
    });

    it("orders values across types as Firestore does (strings by UTF-8 bytes)", async () => {
      const { db } = client();
      const col = db.collection("mixed");
      const values: [string, unknown][] = [
        ["01-null", null],
        ["02-false", false],
        ["03-true", true],
        ["04-nan", NaN],
        ["05-minus-infinity", -Infinity],
        ["06-int-1", 1],
        ["07-double-1.5", 1.5],
        ["08-int-2", 2],
        ["09-timestamp", new Timestamp(1_700_000_000, 5)],
        ["10-string-a", "a"],
        ["11-string-bmp", "\uffff"],
        ["12-string-astral", "\u{1F600}"],
        ["13-bytes", Buffer.from([1, 2])],
        ["14-reference", db.doc("a/b")],
        ["15-geopoint", new GeoPoint(1, 2)],
        ["16-array", [1, "x"]],
        ["17-map", { a: 1 }],
      ];
      // Write in reverse so that name order cannot explain the result.
      for (const [id, v] of [...values].reverse()) await col.doc(id).set({ v });
      const expected = values.map(([id]) => id);
      assert.deepEqual(ids(await col.orderBy("v").get()), expected);
      assert.deepEqual(ids(await col.orderBy("v", "desc").get()), [...expected].reverse());
    });
  });

  describe("scopes, projections, aggregations", () => {
    it("collectionGroup spans every collection with that id, at any depth", async () => {
      const { db } = client();
      await db.doc("items/a/reviews/r1").set({ stars: 5 });
      await db.doc("other/x/reviews/r2").set({ stars: 3 });
      await db.doc("reviews/r3").set({ stars: 4 });
      await db.doc("items/a/notreviews/r4").set({ stars: 5 });
      const group = await db.collectionGroup("reviews").where("stars", ">=", 4).get();
      assert.deepEqual(
        group.docs.map((d) => d.ref.path),
        ["reviews/r3", "items/a/reviews/r1"],
      );
      assert.equal((await db.collectionGroup("reviews").get()).size, 3);
    });

    it("select() projects fields; an empty select() returns only names", async () => {
      const projected = await items().orderBy("n").select("s", "nested.k").get();
      assert.deepEqual(
        projected.docs.map((d) => d.data()),
        [
          { s: "apple", nested: { k: 10 } },
          { s: "banana", nested: { k: 20 } },
          { s: "cherry", nested: { k: 30 } },
          { s: "date", nested: { k: 40 } },
          {},
        ],
      );
      const names = await items().select().get();
      assert.deepEqual(ids(names), ["a", "b", "c", "d", "e", "f"]);
      assert.ok(names.docs.every((d) => Object.keys(d.data()).length === 0));
    });

    it("count(), sum(), average(), also over a limited query", async () => {
      assert.equal((await items().count().get()).data().count, 6);
      assert.equal((await items().where("cat", "==", "A").count().get()).data().count, 2);
      assert.equal((await items().where("cat", "==", "none").count().get()).data().count, 0);
      assert.equal((await items().orderBy("n").limit(2).count().get()).data().count, 2);

      const byN = await items()
        .aggregate({ total: AggregateField.sum("n"), mean: AggregateField.average("n") })
        .get();
      assert.deepEqual(byN.data(), { total: 15, mean: 3 });
      // Only documents that have `price` take part; a null price counts but adds nothing.
      const byPrice = await items()
        .aggregate({
          total: AggregateField.sum("price"),
          mean: AggregateField.average("price"),
          count: AggregateField.count(),
        })
        .get();
      assert.deepEqual(byPrice.data(), { total: 6.75, mean: 2.25, count: 4 });
      const absent = await items()
        .aggregate({ mean: AggregateField.average("absent"), count: AggregateField.count() })
        .get();
      assert.deepEqual(absent.data(), { mean: null, count: 0 });
      const limited = await items()
        .orderBy("n")
        .limit(3)
        .aggregate({ total: AggregateField.sum("n") })
        .get();
      assert.equal(limited.data().total, 6);
    });
  });
});
