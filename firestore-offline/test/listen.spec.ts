// onSnapshot (the Listen stream) for documents and queries: initial state, then every change,
// in order.

import * as assert from "node:assert/strict";
import type { DocumentData, QuerySnapshot } from "firebase-admin/firestore";
import { ListenHub } from "../src/listen";
import { Clock, DocumentStore } from "../src/store";
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

describe("firestore-offline: listen heartbeat", () => {
  interface Sent {
    targetChange?: { targetChangeType: string; targetIds: number[] };
    documentChange?: unknown;
  }

  it("a quiet stream with targets hears NO_CHANGE every heartbeat, billed nothing; a stream without targets hears nothing", async () => {
    let reads = 0;
    let listens = 0;
    const hub = new ListenHub(
      new DocumentStore(new Clock()),
      { countReads: (n) => (reads += n), countListen: () => listens++ },
      40,
    );
    try {
      const withTarget: Sent[] = [];
      const without: Sent[] = [];
      hub
        .open((m) => withTarget.push(m))
        .handle({
          addTarget: { targetId: 1, documents: { documents: ["projects/p/databases/(default)/documents/keys/k"] } },
        });
      hub.open((m) => without.push(m));
      const afterAdd = withTarget.length;
      assert.equal(reads, 1, "the empty initial result bills one read");
      await new Promise((r) => setTimeout(r, 300));
      const beats = withTarget.slice(afterAdd);
      assert.ok(beats.length >= 3, `expected heartbeats within 300 ms at 40 ms, got ${beats.length}`);
      for (const m of beats) {
        assert.equal(m.targetChange?.targetChangeType, "NO_CHANGE");
        assert.deepEqual(m.targetChange?.targetIds, []);
      }
      assert.deepEqual(without, []);
      assert.equal(reads, 1, "heartbeats bill nothing");
      assert.equal(listens, 1);
      hub.stop();
      const stopped = withTarget.length;
      await new Promise((r) => setTimeout(r, 120));
      assert.equal(withTarget.length, stopped, "no heartbeat after stop()");
    } finally {
      hub.stop();
    }
  });
});
