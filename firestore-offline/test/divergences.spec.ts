// Behaviour where the first offline Firestore (and the package as shipped) differed from
// production: reserved ids, NaN in range filters, which documents aggregations cover, the cap on
// aggregations per query, and where vectors sort.

import * as assert from "node:assert/strict";
import { AggregateField, FieldValue } from "firebase-admin/firestore";
import { Code, TEST_TIMEOUT_MS, ids, rejectsWithCode, useTarget } from "./harness";

describe("firestore-offline: production semantics", function () {
  this.timeout(TEST_TIMEOUT_MS);
  const { client } = useTarget();

  describe("reserved ids (__.*__)", () => {
    it("a document id or collection id matching __.*__ is refused with INVALID_ARGUMENT, and nothing is written", async () => {
      const { db } = client();
      await rejectsWithCode(db.doc("items/__doc__").set({ a: 1 }), Code.INVALID_ARGUMENT);
      await rejectsWithCode(db.doc("__things__/x").set({ a: 1 }), Code.INVALID_ARGUMENT);
      await rejectsWithCode(db.doc("items/ok/__sub__/x").create({ a: 1 }), Code.INVALID_ARGUMENT);
      const batch = db.batch();
      batch.set(db.doc("items/fine"), { a: 1 });
      batch.set(db.doc("items/__x__"), { a: 1 });
      await rejectsWithCode(batch.commit(), Code.INVALID_ARGUMENT);
      assert.equal((await db.doc("items/fine").get()).exists, false, "the batch's valid write was not applied");
      await rejectsWithCode(db.doc("items/__doc__").get(), Code.INVALID_ARGUMENT);
    });

    it("ids that only start or end with __ are ordinary ids", async () => {
      const { db } = client();
      await db.doc("items/__start").set({ a: 1 });
      await db.doc("items/end__").set({ a: 2 });
      assert.deepEqual(ids(await db.collection("items").get()), ["__start", "end__"]);
    });
  });

  describe("NaN", () => {
    beforeEach(async () => {
      const nums = client().db.collection("nums");
      await Promise.all([
        nums.doc("nan").set({ v: NaN }),
        nums.doc("one").set({ v: 1 }),
        nums.doc("three").set({ v: 3 }),
      ]);
    });

    it("matches no range filter", async () => {
      const nums = client().db.collection("nums");
      assert.deepEqual(ids(await nums.where("v", "<=", 2).get()), ["one"]);
      assert.deepEqual(ids(await nums.where("v", "<", 5).get()), ["one", "three"]);
      assert.deepEqual(ids(await nums.where("v", ">=", -Infinity).get()), ["one", "three"]);
      assert.deepEqual(ids(await nums.where("v", ">", 2).get()), ["three"]);
    });

    it("still sorts first among numbers and matches == NaN", async () => {
      const nums = client().db.collection("nums");
      assert.deepEqual(ids(await nums.orderBy("v").get()), ["nan", "one", "three"]);
      assert.deepEqual(ids(await nums.where("v", "==", NaN).get()), ["nan"]);
    });
  });

  describe("aggregations", () => {
    beforeEach(async () => {
      const rows = client().db.collection("rows");
      await Promise.all([
        rows.doc("ab1").set({ a: 1, b: 2 }),
        rows.doc("a").set({ a: 3 }),
        rows.doc("b").set({ b: 4 }),
        rows.doc("ab2").set({ a: 5, b: 6 }),
        rows.doc("none").set({ c: 1 }),
      ]);
    });

    it("cover only documents that have every aggregated field, count included", async () => {
      const rows = client().db.collection("rows");
      const snap = await rows
        .aggregate({ n: AggregateField.count(), total: AggregateField.sum("a"), mean: AggregateField.average("b") })
        .get();
      assert.deepEqual(snap.data(), { n: 2, total: 6, mean: 4 });
      const onlyA = await rows.aggregate({ n: AggregateField.count(), total: AggregateField.sum("a") }).get();
      assert.deepEqual(onlyA.data(), { n: 3, total: 9 });
      assert.equal((await rows.count().get()).data().count, 5, "a bare count counts every document");
    });

    it("more than 5 aggregations in one query are refused with INVALID_ARGUMENT", async () => {
      const rows = client().db.collection("rows");
      const five = {
        n: AggregateField.count(),
        s1: AggregateField.sum("a"),
        s2: AggregateField.sum("b"),
        a1: AggregateField.average("a"),
        a2: AggregateField.average("b"),
      };
      assert.deepEqual((await rows.aggregate(five).get()).data(), { n: 2, s1: 6, s2: 8, a1: 3, a2: 4 });
      await rejectsWithCode(rows.aggregate({ ...five, s3: AggregateField.sum("c") }).get(), Code.INVALID_ARGUMENT);
    });
  });

  describe("vectors", () => {
    it("sort after arrays and before maps, shorter vectors first", async () => {
      const values = client().db.collection("values");
      await Promise.all([
        values.doc("array").set({ v: [9, 9, 9] }),
        values.doc("vector-1").set({ v: FieldValue.vector([5]) }),
        values.doc("vector-2").set({ v: FieldValue.vector([1, 2]) }),
        values.doc("vector-2b").set({ v: FieldValue.vector([1, 3]) }),
        values.doc("map").set({ v: { A: 1 } }),
      ]);
      assert.deepEqual(ids(await values.orderBy("v").get()), ["array", "vector-1", "vector-2", "vector-2b", "map"]);
      assert.deepEqual(ids(await values.orderBy("v", "desc").get()), [
        "map",
        "vector-2b",
        "vector-2",
        "vector-1",
        "array",
      ]);
    });
  });
});
