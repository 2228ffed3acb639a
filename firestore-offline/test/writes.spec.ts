// Writes: preconditions, commit times, batches, field updates, transforms, BulkWriter and
// recursiveDelete, all through firebase-admin.

import * as assert from "node:assert/strict";
import { FieldPath, FieldValue, Timestamp } from "firebase-admin/firestore";
import { Code, TEST_TIMEOUT_MS, connect, rejectsWithCode, useTarget } from "./harness";

describe("firestore-offline: writes", function () {
  this.timeout(TEST_TIMEOUT_MS);
  const { client, target } = useTarget();

  describe("preconditions", () => {
    it("a stale lastUpdateTime precondition is refused with FAILED_PRECONDITION; a fresh one is accepted", async () => {
      const { db } = client();
      const ref = db.doc("jobs/j");
      await ref.set({ v: 1 });
      const stale = await ref.get();
      await ref.update({ v: 2 });

      await rejectsWithCode(ref.update({ v: 3 }, { lastUpdateTime: stale.updateTime }), Code.FAILED_PRECONDITION);
      await rejectsWithCode(ref.delete({ lastUpdateTime: stale.updateTime }), Code.FAILED_PRECONDITION);
      assert.equal((await ref.get()).get("v"), 2);

      const fresh = await ref.get();
      await ref.update({ v: 3 }, { lastUpdateTime: fresh.updateTime });
      assert.equal((await ref.get()).get("v"), 3);
    });

    it("a lastUpdateTime precondition on a missing document is refused", async () => {
      const { db } = client();
      await db.doc("jobs/j").set({ v: 1 });
      const snap = await db.doc("jobs/j").get();
      await db.doc("jobs/j").delete();
      await rejectsWithCode(db.doc("jobs/j").delete({ lastUpdateTime: snap.updateTime }), Code.FAILED_PRECONDITION);
    });

    it("create() on an existing document fails with ALREADY_EXISTS", async () => {
      const { db } = client();
      await db.doc("jobs/j").create({ v: 1 });
      await rejectsWithCode(db.doc("jobs/j").create({ v: 2 }), Code.ALREADY_EXISTS);
      assert.equal((await db.doc("jobs/j").get()).get("v"), 1);
    });

    it("update() on a missing document fails with NOT_FOUND", async () => {
      const { db } = client();
      await rejectsWithCode(db.doc("jobs/none").update({ v: 1 }), Code.NOT_FOUND);
      assert.equal((await db.doc("jobs/none").get()).exists, false);
    });

    it("delete({ exists: true }) on a missing document fails with NOT_FOUND", async () => {
      const { db } = client();
      await rejectsWithCode(db.doc("jobs/none").delete({ exists: true }), Code.NOT_FOUND);
    });
  });

  describe("commits", () => {
    it("a batch with one failing precondition writes nothing", async () => {
      const { db } = client();
      await db.doc("jobs/a").set({ v: 1 });
      const stale = await db.doc("jobs/a").get();
      await db.doc("jobs/a").update({ v: 2 });

      const failingExists = db.batch().set(db.doc("jobs/b"), { v: 1 }).update(db.doc("jobs/missing"), { v: 1 });
      await rejectsWithCode(failingExists.commit(), Code.NOT_FOUND);
      assert.equal((await db.doc("jobs/b").get()).exists, false, "the batch's first write was applied");
      const failingTime = db
        .batch()
        .set(db.doc("jobs/c"), { v: 1 })
        .delete(db.doc("jobs/a"), { lastUpdateTime: stale.updateTime });
      await rejectsWithCode(failingTime.commit(), Code.FAILED_PRECONDITION);

      const [a, b, c] = await db.getAll(db.doc("jobs/a"), db.doc("jobs/b"), db.doc("jobs/c"));
      assert.equal(a?.get("v"), 2);
      assert.equal(b?.exists, false);
      assert.equal(c?.exists, false);
    });

    it("update times are unique and strictly increasing; the writes of one commit share its time", async () => {
      const { db } = client();
      const times: Timestamp[] = [];
      for (let i = 0; i < 20; i++) times.push((await db.doc(`seq/${i % 3}`).set({ i })).writeTime);
      for (let i = 1; i < times.length; i++) {
        const [prev, next] = [times[i - 1], times[i]];
        assert.ok(prev && next && next > prev, `write ${i} must be later than write ${i - 1}`);
      }
      const concurrent = await Promise.all(Array.from({ length: 30 }, (_, i) => db.doc(`par/${i}`).set({ i })));
      const distinct = new Set(concurrent.map((r) => `${r.writeTime.seconds}.${r.writeTime.nanoseconds}`));
      assert.equal(distinct.size, 30, "30 concurrent writes must get 30 distinct update times");

      const batched = await db.batch().set(db.doc("b/1"), { x: 1 }).set(db.doc("b/2"), { x: 2 }).commit();
      assert.equal(batched.length, 2);
      assert.ok(batched[0]?.writeTime.isEqual(batched[1]?.writeTime ?? Timestamp.fromMillis(0)));
    });

    it("update times have sub-millisecond precision, so back-to-back writes stay distinguishable", async () => {
      const { db } = client();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => db.doc(`fast/${i}`).set({ i })));
      const nanos = results.map((r) => r.writeTime.nanoseconds);
      assert.ok(
        nanos.some((n) => n % 1_000_000 !== 0),
        `expected microseconds in ${nanos.join(",")}`,
      );
    });

    it("a write that changes nothing keeps the document's update time (as production does)", async () => {
      const { db } = client();
      const ref = db.doc("jobs/same");
      await ref.set({ v: 1, tags: ["a"] });
      const first = await ref.get();
      await ref.set({ v: 1, tags: ["a"] });
      const second = await ref.get();
      assert.ok(
        second.updateTime?.isEqual(first.updateTime ?? Timestamp.fromMillis(0)),
        "identical set() moved the update time",
      );
      await ref.set({ v: 1.5, tags: ["a"] });
      assert.ok((await ref.get()).updateTime?.isEqual(first.updateTime ?? Timestamp.fromMillis(0)) === false);
    });
  });

  describe("field updates and transforms", () => {
    it("serverTimestamp() stores the commit time", async () => {
      const { db } = client();
      const result = await db
        .doc("jobs/t")
        .set({ at: FieldValue.serverTimestamp(), other: FieldValue.serverTimestamp() });
      const snap = await db.doc("jobs/t").get();
      const at = snap.get("at") as Timestamp;
      assert.ok(at instanceof Timestamp);
      assert.ok(at.isEqual(result.writeTime), "the server timestamp is the commit time");
      assert.ok(at.isEqual(snap.get("other") as Timestamp), "every serverTimestamp() field of the write is set");
      assert.ok(snap.updateTime?.isEqual(at));
    });

    it("increment() adds integers and doubles, and sets a missing or non-numeric field", async () => {
      const { db } = client();
      const ref = db.doc("counters/c");
      await ref.set({ i: 1, d: 1.5, s: "text" });
      await ref.update({
        i: FieldValue.increment(2),
        d: FieldValue.increment(1),
        s: FieldValue.increment(5),
        missing: FieldValue.increment(7),
      });
      assert.deepEqual((await ref.get()).data(), { i: 3, d: 2.5, s: 5, missing: 7 });
      await Promise.all(Array.from({ length: 25 }, () => ref.update({ i: FieldValue.increment(1) })));
      assert.equal((await ref.get()).get("i"), 28);
    });

    it("arrayUnion() appends missing elements (also on a missing field); arrayRemove() removes all copies", async () => {
      const { db } = client();
      const ref = db.doc("jobs/arr");
      await ref.set({ tags: ["a", "b", "a"], nums: [1, 2, 3] });
      await ref.update({
        tags: FieldValue.arrayUnion("b", "c", "c"),
        fresh: FieldValue.arrayUnion("x", "y"),
        nums: FieldValue.arrayRemove(2, 3),
      });
      assert.deepEqual((await ref.get()).data(), { tags: ["a", "b", "a", "c"], fresh: ["x", "y"], nums: [1] });
      await ref.update({ tags: FieldValue.arrayRemove("a"), gone: FieldValue.arrayRemove("z") });
      assert.deepEqual((await ref.get()).data(), { tags: ["b", "c"], fresh: ["x", "y"], nums: [1], gone: [] });
    });

    it("several transforms in one write are all applied, alongside plain fields", async () => {
      const { db } = client();
      const ref = db.doc("jobs/multi");
      await ref.set({ n: 1, tags: ["a"] });
      await ref.set(
        {
          label: "x",
          n: FieldValue.increment(1),
          tags: FieldValue.arrayUnion("b"),
          at: FieldValue.serverTimestamp(),
          drop: FieldValue.arrayRemove("q"),
        },
        { merge: true },
      );
      const data = (await ref.get()).data() ?? {};
      assert.equal(data.label, "x");
      assert.equal(data.n, 2);
      assert.deepEqual(data.tags, ["a", "b"]);
      assert.ok(data.at instanceof Timestamp, "the serverTimestamp() after arrayUnion() is applied");
      assert.deepEqual(data.drop, []);
    });

    it("FieldValue.delete() removes fields, also nested ones", async () => {
      const { db } = client();
      const ref = db.doc("jobs/del");
      await ref.set({ a: 1, b: 2, lease: { holder: "h", token: "t" } });
      await ref.update({ a: FieldValue.delete(), "lease.token": FieldValue.delete() });
      assert.deepEqual((await ref.get()).data(), { b: 2, lease: { holder: "h" } });
      await ref.set({ b: FieldValue.delete() }, { merge: true });
      assert.deepEqual((await ref.get()).data(), { lease: { holder: "h" } });
    });

    it("nested field updates touch only the named paths (dotted strings and FieldPath with odd characters)", async () => {
      const { db } = client();
      const ref = db.doc("jobs/nested");
      await ref.set({ lease: { holder: "a", token: "t1", meta: { n: 1 } }, status: "LEASED" });
      await ref.update("lease.holder", "b", new FieldPath("odd.key", "with space"), 1, "lease.meta.m", 2);
      assert.deepEqual((await ref.get()).data(), {
        lease: { holder: "b", token: "t1", meta: { n: 1, m: 2 } },
        status: "LEASED",
        "odd.key": { "with space": 1 },
      });
      await ref.set({ lease: { token: "t2" } }, { merge: true });
      await ref.set({ lease: { holder: "c", extra: true }, status: "X" }, { mergeFields: ["lease.holder"] });
      assert.deepEqual((await ref.get()).data(), {
        lease: { holder: "c", token: "t2", meta: { n: 1, m: 2 } },
        status: "LEASED",
        "odd.key": { "with space": 1 },
      });
      await ref.update({ lease: { holder: "d" } });
      assert.deepEqual((await ref.get()).get("lease"), { holder: "d" });
    });

    it("set() without merge replaces the whole document", async () => {
      const { db } = client();
      const ref = db.doc("jobs/replace");
      await ref.set({ a: 1, b: { c: 2 } });
      await ref.set({ d: 3 });
      assert.deepEqual((await ref.get()).data(), { d: 3 });
    });

    it("64-bit integers round-trip exactly (useBigInt)", async () => {
      const big = connect(target(), { useBigInt: true, projectId: client().projectId });
      try {
        const ref = big.db.doc("ints/i");
        await ref.set({ max: 2n ** 63n - 1n, min: -(2n ** 63n), odd: 2n ** 53n + 1n });
        await ref.update({ odd: FieldValue.increment(2) });
        assert.deepEqual((await ref.get()).data(), { max: 2n ** 63n - 1n, min: -(2n ** 63n), odd: 2n ** 53n + 3n });
        await ref.update({ max: FieldValue.increment(1) });
        assert.equal((await ref.get()).get("max"), 2n ** 63n - 1n, "integer increments saturate at int64 max");
      } finally {
        await big.close();
      }
    });
  });

  describe("bulk operations", () => {
    it("BulkWriter applies each write independently and reports per-write failures", async () => {
      const { db } = client();
      await db.doc("bulk/existing").set({ v: 0 });
      const writer = db.bulkWriter();
      const failures: string[] = [];
      writer.onWriteError((err) => {
        failures.push(`${err.documentRef.id}:${err.code}`);
        return false;
      });
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 30; i++) writes.push(writer.set(db.doc(`bulk/d${i}`), { i }));
      writes.push(writer.create(db.doc("bulk/existing"), { v: 1 }));
      writes.push(writer.update(db.doc("bulk/missing"), { v: 1 }));
      writes.push(writer.delete(db.doc("bulk/d0")));
      await writer.close();
      const settled = await Promise.allSettled(writes);

      assert.equal(settled.filter((s) => s.status === "rejected").length, 2);
      assert.deepEqual(failures.sort(), [`existing:${Code.ALREADY_EXISTS}`, `missing:${Code.NOT_FOUND}`]);
      const docs = await db.collection("bulk").get();
      assert.equal(docs.size, 30); // d1..d29 + existing
      assert.equal((await db.doc("bulk/existing").get()).get("v"), 0);
    });

    it("recursiveDelete removes a document, its subcollections and deeper descendants", async () => {
      const { db } = client();
      await db.doc("users/u1").set({ name: "u1" });
      await db.doc("users/u1/jobs/j1").set({ n: 1 });
      await db.doc("users/u1/jobs/j1/logs/l1").set({ line: "x" });
      await db.doc("users/u1/keys/k1").set({ n: 1 });
      await db.doc("users/u2").set({ name: "u2" });
      await db.doc("users/u2/jobs/j2").set({ n: 2 });
      await db.doc("users/A-upper").set({ name: "upper" });
      await db.doc("usersX/other").set({ n: 1 });

      await db.recursiveDelete(db.doc("users/u1"));
      assert.deepEqual(
        (await db.collectionGroup("jobs").get()).docs.map((d) => d.ref.path),
        ["users/u2/jobs/j2"],
      );
      assert.equal((await db.collectionGroup("logs").get()).size, 0);

      await db.recursiveDelete(db.collection("users"));
      assert.equal((await db.collection("users").get()).size, 0);
      assert.equal((await db.collectionGroup("jobs").get()).size, 0);
      assert.equal((await db.doc("usersX/other").get()).exists, true);
    });

    it("listCollections() and listDocuments() see collections and documents that only have descendants", async () => {
      const { db } = client();
      await db.doc("a/1").set({});
      await db.doc("b/2/sub/3").set({});
      await db.doc("a/1/inner/x").set({});
      await db.doc("a/1/other/y").set({});
      assert.deepEqual(
        (await db.listCollections()).map((c) => c.id),
        ["a", "b"],
      );
      assert.deepEqual(
        (await db.doc("a/1").listCollections()).map((c) => c.id),
        ["inner", "other"],
      );
      assert.deepEqual(
        (await db.collection("b").listDocuments()).map((d) => d.path),
        ["b/2"],
      );
      assert.deepEqual(
        (await db.collection("a").listDocuments()).map((d) => d.path),
        ["a/1"],
      );
    });
  });
});
