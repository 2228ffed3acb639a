/**
 * The deployed Cloud Functions themselves (the exports of functions/src/index.ts, options and
 * wrappers included), driven through firebase-functions-test in offline mode: its mock project
 * config, no credentials, nothing outside this process. Firestore is the offline Firestore,
 * started in this process on a free loopback port, so the functions' own data layer runs for
 * real instead of against stubs.
 */
import assert from "node:assert/strict";
import { type AddressInfo } from "node:net";
import { type Server } from "node:http";
import express from "express";
import { Timestamp } from "firebase-admin/firestore";
import { startOfflineFirestore, type OfflineFirestore } from "../../firestore-offline/src/index";
import { fft } from "./fft";
import * as fns from "../../functions/src/index";
import { newJobDoc } from "../../functions/src/core/jobs/newJob";
import { db } from "../../functions/src/data/firestore";

describe("Cloud Functions through firebase-functions-test (offline mode)", function () {
  this.timeout(30_000);
  let firestore: OfflineFirestore | undefined;
  let server: Server | undefined;
  let base = "";
  const saved = process.env.FIRESTORE_EMULATOR_HOST;

  before(async () => {
    firestore = await startOfflineFirestore({ port: 0 });
    process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${firestore.port}`;
    // HTTPS functions are request handlers: serve them as the functions framework does, with
    // the raw body kept (our routes parse it themselves).
    const app = express();
    app.use(express.raw({ type: () => true, limit: "20mb" }));
    app.use((req, _res, next) => {
      (req as unknown as { rawBody: Buffer }).rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      next();
    });
    for (const name of ["health", "jobs", "fleetPendingTasks"] as const)
      app.all(new RegExp(`^/${name}(/.*)?$`), (req, res) => void fns[name](req as never, res));
    const listening = app.listen(0, "127.0.0.1");
    server = listening;
    await new Promise((resolve) => listening.once("listening", resolve));
    base = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
  });

  after(async () => {
    fft.cleanup();
    const listening = server;
    if (listening !== undefined) await new Promise((resolve) => listening.close(resolve));
    await firestore?.stop();
    if (saved === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
    else process.env.FIRESTORE_EMULATOR_HOST = saved;
  });

  it("reapExpiredLeases (scheduled): a lapsed lease goes back to the queue with one more attempt", async () => {
    const lapsed = Timestamp.fromMillis(Date.now() - 60_000);
    const ref = db().collection("jobs").doc();
    const job = newJobDoc(
      ref.id,
      { kind: "generic", queue: "generic", teamId: "u1", payload: { type: "t" }, leaseMs: 1000 },
      new Date(Date.now() - 120_000),
    );
    await ref.set({
      ...job,
      status: "LEASED",
      lease: { holder: "r1", token: "t1", expiresAt: lapsed },
      leaseExpiresAt: lapsed,
      startedAt: lapsed,
    });
    const live = db().collection("jobs").doc();
    const future = Timestamp.fromMillis(Date.now() + 600_000);
    await live.set({
      ...newJobDoc(
        live.id,
        { kind: "generic", queue: "generic", teamId: "u1", payload: { type: "t" }, leaseMs: 600_000 },
        new Date(),
      ),
      status: "LEASED",
      lease: { holder: "r2", token: "t2", expiresAt: future },
      leaseExpiresAt: future,
    });

    // The library runs a v2 scheduled function through its scheduled wrapper (options: eventId,
    // timestamp), a case its type declarations do not describe.
    const reap = fft.wrap(fns.reapExpiredLeases as never) as unknown as (options: {
      timestamp?: string;
    }) => Promise<void>;
    await reap({ timestamp: new Date().toISOString() });

    const after = (await ref.get()).data();
    assert.equal(after?.status, "PENDING");
    assert.equal(after?.attempts, 1);
    assert.equal(after?.lease, null);
    assert.equal((await live.get()).get("status"), "LEASED", "a live lease is left alone");
  });

  it("health (HTTPS): 200 with the service's name, 405 with Allow for another method", async () => {
    const ok = await fetch(`${base}/health`);
    assert.equal(ok.status, 200);
    assert.deepEqual(Object.keys((await ok.json()) as object).sort(), ["service", "status", "time"]);
    const refused = await fetch(`${base}/health`, { method: "POST" });
    assert.equal(refused.status, 405);
    assert.equal(refused.headers.get("allow"), "GET");
  });

  it("jobs and fleet (HTTPS): no credential is 401 in each face's own envelope, and nothing is written", async () => {
    const before = (await db().collection("jobs").count().get()).data().count;
    const jobs = await fetch(`${base}/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "t", workflowPath: "w.md" }),
    });
    assert.equal(jobs.status, 401);
    assert.deepEqual(await jobs.json(), {
      error: "UNAUTHENTICATED",
      message: "Send credentials as Authorization: Bearer <token>.",
    });
    const fleet = await fetch(`${base}/fleetPendingTasks/api/runners/tasks/pending`);
    assert.equal(fleet.status, 401);
    assert.deepEqual(await fleet.json(), {
      data: null,
      error: "Send credentials as Authorization: Bearer <token>.",
      reason: "UNAUTHENTICATED",
    });
    const after = (await db().collection("jobs").count().get()).data().count;
    assert.equal(after, before);
  });
});
