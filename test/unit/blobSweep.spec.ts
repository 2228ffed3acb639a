/**
 * The orphaned-blob sweep over the chunk store, against the offline Firestore in this process:
 * what it keeps (referenced from each place, put within the grace period, put again since it was
 * listed), what it deletes, and its cursor; and the scheduled function itself.
 */
import assert from "node:assert/strict";
import { Timestamp } from "firebase-admin/firestore";
import { fft } from "./fft";
import * as fns from "../../functions/src/index";
import { FirestoreBlobStore, type BlobRef } from "../../functions/src/core/blobs/blobStore";
import { sweepOrphanedBlobs } from "../../functions/src/core/blobs/sweepOrphanedBlobs";
import { db } from "../../functions/src/data/firestore";
import { startOfflineDb, withEnv, type OfflineDb } from "./offlineDb";

describe("sweepOrphanedBlobs (offline Firestore)", function () {
  this.timeout(60_000);
  let offline: OfflineDb | undefined;

  before(async () => {
    offline = await startOfflineDb();
  });
  after(async () => {
    fft.cleanup();
    await offline?.stop();
  });

  const store = () => new FirestoreBlobStore(db());
  const put = (text: string) =>
    store().put(Buffer.from(text.repeat(text.startsWith("big") ? 200_000 : 1)), "text/plain");
  const exists = async (ref: BlobRef) => (await db().collection("blobs").doc(ref.sha256).get()).exists;
  const chunks = async (ref: BlobRef) =>
    (await db().collection("blobs").doc(ref.sha256).collection("chunks").get()).size;
  const later = () => new Date(Date.now() + 5_000);

  async function clear(): Promise<void> {
    for (const name of ["blobs", "jobs", "versions", "deployments", "workspaces", "counters"]) {
      const docs = await db().collection(name).get();
      await Promise.all(docs.docs.map((d) => db().recursiveDelete(d.ref)));
    }
  }

  beforeEach(clear);

  it("deletes what nothing refers to and keeps each kind of reference", async () => {
    const orphan = await put("big orphan");
    const artifact = await put("artifact");
    const deliverable = await put("deliverable");
    const version = await put("version");
    const deployment = await put("deployment");
    const execution = await put("execution");
    await db().collection("jobs").doc("j1").collection("artifacts").doc("a1").set({ name: "a", blob: artifact });
    await db()
      .collection("workspaces")
      .doc("w1")
      .collection("deliverables")
      .doc("d1")
      .set({ kind: "file", blob: deliverable });
    await db().collection("versions").doc("v1").set({ bundle: version });
    await db().collection("deployments").doc("d1").set({ bundle: deployment });
    await db()
      .collection("jobs")
      .doc("e1")
      .set({ kind: "execution", payload: { bundle: execution } });
    assert.ok((await chunks(orphan)) > 1, "the orphan spans several chunks");

    const result = await sweepOrphanedBlobs(store(), later(), { graceMs: 1_000, batch: 100 });
    assert.deepEqual(result, { examined: 6, deleted: 1, referenced: 5, recent: 0, wrapped: true });
    assert.equal(await exists(orphan), false);
    assert.equal(await chunks(orphan), 0, "its chunks went with it");
    for (const kept of [artifact, deliverable, version, deployment, execution]) assert.ok(await exists(kept));
    // Artifact bytes outlive their record only until the next sweep.
    await db().collection("jobs").doc("j1").collection("artifacts").doc("a1").delete();
    const again = await sweepOrphanedBlobs(store(), later(), { graceMs: 1_000, batch: 100 });
    assert.equal(again.deleted, 1);
    assert.equal(await exists(artifact), false);
  });

  it("keeps blobs put within the grace period, and a blob put again after it was listed", async () => {
    const young = await put("young");
    assert.deepEqual(await sweepOrphanedBlobs(store(), new Date(), { graceMs: 60_000, batch: 100 }), {
      examined: 1,
      deleted: 0,
      referenced: 0,
      recent: 1,
      wrapped: true,
    });
    assert.ok(await exists(young));

    // An upload re-uses the bytes between the sweep's listing and its delete.
    const [listed] = await store().list(null, 10);
    assert.ok(listed !== undefined);
    await put("young");
    assert.equal(await store().deleteUnlessPutAgain(listed), false);
    assert.ok(await exists(young));
    // Once deleted, a put writes the bytes anew and they read back whole.
    const [fresh] = await store().list(null, 10);
    assert.ok(fresh !== undefined);
    assert.equal(await store().deleteUnlessPutAgain(fresh), true);
    assert.equal(await store().get(young), null);
    await put("young");
    assert.equal((await store().get(young))?.toString(), "young");
  });

  it("works through the blobs a batch at a time, then starts over", async () => {
    for (const text of ["a", "b", "c", "d", "e"]) await put(text);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await sweepOrphanedBlobs(store(), later(), { graceMs: 1_000, batch: 2 }));
    assert.deepEqual(
      runs.map((r) => [r.examined, r.deleted, r.wrapped]),
      [
        [2, 2, false],
        [2, 2, false],
        [1, 1, true],
      ],
    );
    assert.equal((await db().collection("blobs").count().get()).data().count, 0);
    assert.equal((await db().collection("counters").doc("blobSweep").get()).get("after"), null);
  });

  it("two sweeps at once delete each orphan once and keep every referenced blob", async () => {
    const orphans = await Promise.all(["o1", "o2", "o3"].map(put));
    const kept = await put("kept");
    await db().collection("versions").doc("v").set({ bundle: kept });
    const [a, b] = await Promise.all([
      sweepOrphanedBlobs(store(), later(), { graceMs: 1_000, batch: 10 }),
      sweepOrphanedBlobs(store(), later(), { graceMs: 1_000, batch: 10 }),
    ]);
    assert.equal((a?.deleted ?? 0) + (b?.deleted ?? 0), 3);
    for (const o of orphans) assert.equal(await exists(o), false);
    assert.ok(await exists(kept));
  });

  it("the scheduled function sweeps with its params (BLOB_STORE=firestore, grace from BLOB_SWEEP_GRACE_MS)", async () => {
    const restore = withEnv({ BLOB_STORE: "firestore", BLOB_SWEEP_GRACE_MS: "1" });
    try {
      const orphan = await put("scheduled orphan");
      const referenced = await put("scheduled kept");
      await db().collection("deployments").doc("d").set({ bundle: referenced, createdAt: Timestamp.now() });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const sweep = fft.wrap(fns.sweepOrphanedBlobs as never) as unknown as (options: {
        timestamp?: string;
      }) => Promise<void>;
      await sweep({ timestamp: new Date().toISOString() });
      assert.equal(await exists(orphan), false);
      assert.ok(await exists(referenced));
    } finally {
      restore();
    }
  });
});
