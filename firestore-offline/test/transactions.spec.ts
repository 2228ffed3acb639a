// Transactions behave as in production: what a transaction read must still be current when it
// commits, otherwise it aborts and the SDK retries it.

import * as assert from "node:assert/strict";
import { TEST_TIMEOUT_MS, connect, deferred, startTarget, useTarget, type Client, type Target } from "./harness";

describe("firestore-offline: transactions", function () {
  this.timeout(TEST_TIMEOUT_MS);
  const { client } = useTarget();

  it("20 concurrent claimers of one document: exactly one wins, the others retry, see it taken and back off", async () => {
    const { db } = client();
    const job = db.doc("jobs/job-1");
    await job.set({ holder: null });

    const claimers = 20;
    const attempts = new Array<number>(claimers).fill(0);
    let firstReads = 0;
    const everyoneRead = deferred();

    const outcomes = await Promise.all(
      attempts.map((_, i) =>
        db.runTransaction(async (tx) => {
          attempts[i] = (attempts[i] ?? 0) + 1;
          const snap = await tx.get(job);
          if (attempts[i] === 1) {
            // Barrier: every claimer has read the free job before anyone commits.
            if (++firstReads === claimers) everyoneRead.resolve();
            await everyoneRead.promise;
          }
          if (snap.get("holder") !== null) return "backed-off";
          tx.update(job, { holder: `claimer-${i}` });
          return "won";
        }),
      ),
    );

    const winners = outcomes.flatMap((o, i) => (o === "won" ? [i] : []));
    assert.equal(winners.length, 1, `winners: ${winners.join(",")}`);
    assert.equal(outcomes.filter((o) => o === "backed-off").length, claimers - 1);
    const [winner] = winners;
    assert.equal(attempts[winner ?? -1], 1, "the winner commits on its first attempt");
    assert.deepEqual(
      attempts.filter((_, i) => i !== winner),
      new Array<number>(claimers - 1).fill(2),
      "every loser is aborted once, then sees the job taken",
    );
    assert.equal((await job.get()).get("holder"), `claimer-${winner}`);
  });

  it("concurrent transactional increments sum correctly", async () => {
    const { db } = client();
    const counter = db.doc("counters/c");
    await counter.set({ n: 0 });
    const workers = 10;
    let attempts = 0;
    let firstReads = 0;
    const everyoneRead = deferred();

    await Promise.all(
      Array.from({ length: workers }, () =>
        db.runTransaction(
          async (tx) => {
            attempts++;
            const n = (await tx.get(counter)).get("n") as number;
            if (++firstReads === workers) everyoneRead.resolve();
            await everyoneRead.promise;
            tx.update(counter, { n: n + 1 });
          },
          { maxAttempts: 20 },
        ),
      ),
    );

    assert.equal((await counter.get()).get("n"), workers);
    assert.ok(attempts >= 2 * workers - 1, `all but one first attempt must abort (attempts: ${attempts})`);
  });

  it("a transaction that read a document as absent aborts when another client creates it, then retries", async () => {
    const { db } = client();
    const ref = db.doc("locks/l1");
    let attempts = 0;
    const result = await db.runTransaction(async (tx) => {
      attempts++;
      const snap = await tx.get(ref);
      if (attempts === 1) await ref.set({ owner: "other" });
      if (snap.exists) return `taken by ${String(snap.get("owner"))}`;
      tx.set(ref, { owner: "tx" });
      return "mine";
    });
    assert.equal(attempts, 2);
    assert.equal(result, "taken by other");
    assert.equal((await ref.get()).get("owner"), "other");
  });

  it("a query read in a transaction aborts when a matching document is added (phantom)", async () => {
    const { db } = client();
    const jobs = db.collection("jobs");
    await jobs.doc("a").set({ status: "pending" });
    let attempts = 0;
    await db.runTransaction(async (tx) => {
      attempts++;
      const pending = await tx.get(jobs.where("status", "==", "pending"));
      if (attempts === 1) await jobs.doc("b").set({ status: "pending" });
      tx.set(db.doc("summaries/jobs"), { pending: pending.size });
    });
    assert.equal(attempts, 2);
    assert.equal((await db.doc("summaries/jobs").get()).get("pending"), 2);
  });

  it("a query read in a transaction aborts when a matched document changes or leaves the result", async () => {
    const { db } = client();
    const jobs = db.collection("jobs");
    await jobs.doc("a").set({ status: "pending" });
    await jobs.doc("b").set({ status: "pending" });
    let attempts = 0;
    const seen = await db.runTransaction(async (tx) => {
      attempts++;
      const pending = await tx.get(jobs.where("status", "==", "pending").orderBy("__name__").limit(1));
      if (attempts === 1) await jobs.doc("a").update({ status: "leased" });
      return pending.docs.map((d) => d.id);
    });
    assert.equal(attempts, 2);
    assert.deepEqual(seen, ["b"]);
  });

  it("writes outside the read set do not abort a transaction", async () => {
    const { db } = client();
    await db.doc("jobs/a").set({ n: 1 });
    let attempts = 0;
    await db.runTransaction(async (tx) => {
      attempts++;
      const snap = await tx.get(db.doc("jobs/a"));
      await db.doc("jobs/unrelated").set({ n: 2 });
      tx.update(db.doc("jobs/a"), { n: (snap.get("n") as number) + 1 });
    });
    assert.equal(attempts, 1);
    assert.equal((await db.doc("jobs/a").get()).get("n"), 2);
  });

  it("a transaction's writes are atomic: a failing precondition in the commit writes nothing", async () => {
    const { db } = client();
    await db.doc("jobs/a").set({ n: 1 });
    await assert.rejects(
      db.runTransaction(async (tx) => {
        await tx.get(db.doc("jobs/a"));
        tx.update(db.doc("jobs/a"), { n: 2 });
        tx.update(db.doc("jobs/missing"), { n: 2 });
      }),
    );
    assert.equal((await db.doc("jobs/a").get()).get("n"), 1);
  });

  it("read-only transactions read one consistent snapshot, also at a past read time", async () => {
    const { db } = client();
    const ref = db.doc("config/c");
    await ref.set({ v: 1 });
    const before = await ref.get();
    await ref.set({ v: 2 });

    const atReadTime = await db.runTransaction(async (tx) => (await tx.get(ref)).get("v") as number, {
      readOnly: true,
      readTime: before.readTime,
    });
    assert.equal(atReadTime, 1);

    const queried = await db.runTransaction(
      async (tx) => (await tx.get(db.collection("config"))).docs.map((d) => d.get("v") as number),
      {
        readOnly: true,
        readTime: before.readTime,
      },
    );
    assert.deepEqual(queried, [1]);

    const pair = await db.runTransaction(
      async (tx) => {
        const first = (await tx.get(ref)).get("v") as number;
        await ref.set({ v: 3 });
        const second = (await tx.get(ref)).get("v") as number;
        return [first, second];
      },
      { readOnly: true },
    );
    assert.deepEqual(pair, [2, 2], "reads inside one read-only transaction see the same snapshot");
    assert.equal((await ref.get()).get("v"), 3);
  });

  describe("idle expiry", () => {
    let target: Target | undefined;
    let idleClient: Client | undefined;
    const previousHost = process.env.FIRESTORE_EMULATOR_HOST;
    before(async () => {
      target = await startTarget({ transactionIdleMs: 200 });
      idleClient = connect(target);
    });
    after(async () => {
      await idleClient?.close();
      await target?.stop();
      process.env.FIRESTORE_EMULATOR_HOST = previousHost;
    });

    it("a transaction idle past transactionIdleMs is dropped; its commit aborts and the SDK retries", async () => {
      assert.ok(idleClient);
      const { db } = idleClient;
      const ref = db.doc("jobs/slow");
      await ref.set({ n: 0 });
      let attempts = 0;
      await db.runTransaction(async (tx) => {
        attempts++;
        const n = (await tx.get(ref)).get("n") as number;
        // Deterministic, not a race: the first attempt stays idle for twice the limit.
        if (attempts === 1) await new Promise((resolve) => setTimeout(resolve, 400));
        tx.update(ref, { n: n + 1 });
      });
      assert.equal(attempts, 2);
      assert.equal((await ref.get()).get("n"), 1);
    });
  });
});
