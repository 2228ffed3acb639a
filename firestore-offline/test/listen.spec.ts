// onSnapshot (the Listen stream) for documents and queries: initial state, then every change,
// in order.

import * as assert from "node:assert/strict";
import type { DocumentData, QuerySnapshot } from "firebase-admin/firestore";
import { TEST_TIMEOUT_MS, useTarget, waitFor } from "./harness";

interface QueryEvent {
  ids: string[];
  changes: string[];
}

const toEvent = (snap: QuerySnapshot): QueryEvent => ({
  ids: snap.docs.map((d) => d.id),
  changes: snap.docChanges().map((c) => `${c.type}:${c.doc.id}`),
});

describe("firestore-offline: listen", function () {
  this.timeout(TEST_TIMEOUT_MS);
  const { client } = useTarget();

  it("onSnapshot of a document sees its creation, updates and deletion in order", async () => {
    const { db } = client();
    const ref = db.doc("jobs/watched");
    const seen: (DocumentData | undefined)[] = [];
    const errors: Error[] = [];
    const unsubscribe = ref.onSnapshot(
      (snap) => seen.push(snap.exists ? snap.data() : undefined),
      (err) => errors.push(err),
    );
    try {
      await waitFor(() => seen.length === 1, "the initial snapshot");
      await ref.set({ v: 1 });
      await waitFor(() => seen.length === 2, "the snapshot after create");
      await ref.update({ v: 2, extra: "x" });
      await waitFor(() => seen.length === 3, "the snapshot after update");
      await ref.delete();
      await waitFor(() => seen.length === 4, "the snapshot after delete");
      assert.deepEqual(seen, [undefined, { v: 1 }, { v: 2, extra: "x" }, undefined]);
      assert.deepEqual(errors, []);
    } finally {
      unsubscribe();
    }
  });

  it("onSnapshot of a query sees documents added, modified and removed", async () => {
    const { db } = client();
    const jobs = db.collection("jobs");
    await jobs.doc("a").set({ status: "PENDING", priority: 1 });
    await jobs.doc("other").set({ status: "DONE", priority: 0 });
    const events: QueryEvent[] = [];
    const unsubscribe = jobs
      .where("status", "==", "PENDING")
      .orderBy("priority")
      .onSnapshot((snap) => events.push(toEvent(snap)));
    try {
      const step = async (n: number, action: () => Promise<unknown>) => {
        await action();
        await waitFor(() => events.length === n, `snapshot ${n}`);
      };
      await waitFor(() => events.length === 1, "the initial snapshot");
      await step(2, () => jobs.doc("b").set({ status: "PENDING", priority: 0 }));
      await step(3, () => jobs.doc("a").update({ status: "LEASED" }));
      await step(4, () => jobs.doc("b").update({ priority: 5 }));
      await step(5, () => jobs.doc("b").delete());
      assert.deepEqual(events, [
        { ids: ["a"], changes: ["added:a"] },
        { ids: ["b", "a"], changes: ["added:b"] },
        { ids: ["b"], changes: ["removed:a"] },
        { ids: ["b"], changes: ["modified:b"] },
        { ids: [], changes: ["removed:b"] },
      ]);
    } finally {
      unsubscribe();
    }
  });

  it("a limited query listener swaps documents that move in and out of the window", async () => {
    const { db } = client();
    const jobs = db.collection("jobs");
    await jobs.doc("x").set({ priority: 2 });
    const events: QueryEvent[] = [];
    const unsubscribe = jobs
      .orderBy("priority")
      .limit(1)
      .onSnapshot((snap) => events.push(toEvent(snap)));
    try {
      await waitFor(() => events.length === 1, "the initial snapshot");
      await jobs.doc("y").set({ priority: 1 });
      await waitFor(() => events.length === 2, "the snapshot after y");
      assert.deepEqual(events, [
        { ids: ["x"], changes: ["added:x"] },
        { ids: ["y"], changes: ["removed:x", "added:y"] },
      ]);
    } finally {
      unsubscribe();
    }
  });

  it("a listener only receives documents inside its target", async () => {
    const { db } = client();
    const events: QueryEvent[] = [];
    const unsubscribe = db.collection("watched").onSnapshot((snap) => events.push(toEvent(snap)));
    try {
      await waitFor(() => events.length === 1, "the initial snapshot");
      await db.doc("unwatched/u").set({ v: 1 });
      await db.doc("watched/w").set({ v: 1 });
      await waitFor(() => events.length === 2, "the snapshot after the watched write");
      assert.deepEqual(events, [
        { ids: [], changes: [] },
        { ids: ["w"], changes: ["added:w"] },
      ]);
    } finally {
      unsubscribe();
    }
  });
});
