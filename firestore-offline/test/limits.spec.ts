// Production's limits: document size, request size, nesting depth, disjunctions, and the
// transaction deadlines; each refused with production's code and a message like production's.

import * as assert from "node:assert/strict";
import { credentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import { FieldValue, Filter } from "firebase-admin/firestore";
import { loadFirestoreService } from "../src/proto";
import {
  Code,
  TEST_TIMEOUT_MS,
  UPSTREAM,
  connect,
  ids,
  rejectsWithCode,
  startTarget,
  useTarget,
  type Client,
  type Target,
} from "./harness";

/** A map nested `depth` levels deep: {n: {n: ... {leaf: 1}}}. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let i = 1; i < depth; i++) value = { n: value };
  return value;
}

/** The same as a wire value, for requests firebase-admin itself would refuse to send. */
function nestedWire(depth: number): object {
  let value: object = { mapValue: { fields: { leaf: { integerValue: "1" } } } };
  for (let i = 1; i < depth; i++) value = { mapValue: { fields: { n: value } } };
  return value;
}

/** A raw Commit through gRPC (no SDK-side validation). */
function rawCommit(target: Target, database: string, writes: object[]): Promise<unknown> {
  const Client = makeGenericClientConstructor(loadFirestoreService(), "Firestore");
  const client = new Client(target.hostPort, credentials.createInsecure());
  const commit = client.Commit;
  assert.ok(commit !== undefined);
  return new Promise((resolve, reject) => {
    commit.call(client, { database, writes }, (err: ServiceError | null, response: unknown) => {
      client.close();
      if (err === null) resolve(response);
      else reject(err);
    });
  });
}

const rejectsWith = (promise: Promise<unknown>, code: number, message: RegExp) =>
  assert.rejects(promise, (err: { code?: number; message?: string }) => {
    assert.equal(err.code, code, err.message);
    assert.match(err.message ?? "", message);
    return true;
  });

describe("firestore-offline: production limits", function () {
  this.timeout(TEST_TIMEOUT_MS * 2);
  const { target, client } = useTarget();

  describe("document size (1 MiB, counted as production counts storage)", () => {
    // items/big: name 16 + "items" 6 + "big" 4; field "s" 2 + the string's bytes + 1; document 32.
    const overhead = 16 + 6 + 4 + 2 + 1 + 32;

    it("a document of exactly 1,048,576 bytes is written; one byte more is refused with INVALID_ARGUMENT", async () => {
      const { db } = client();
      await db.doc("items/big").set({ s: "x".repeat(1_048_576 - overhead) });
      await rejectsWith(
        db.doc("items/big").set({ s: "y".repeat(1_048_576 - overhead + 1) }),
        Code.INVALID_ARGUMENT,
        /cannot be written because its size \(1,048,577 bytes\) exceeds the maximum allowed size of 1,048,576 bytes/,
      );
      assert.equal(
        ((await db.doc("items/big").get()).get("s") as string).charAt(0),
        "x",
        "the refused write changed nothing",
      );
    });

    it("a transform that grows a document past the limit is refused too", async () => {
      const { db } = client();
      await db.doc("items/big").set({ s: "x".repeat(1_048_576 - overhead - 100), tags: [] });
      await rejectsWithCode(
        db.doc("items/big").update({ tags: FieldValue.arrayUnion("z".repeat(200)) }),
        Code.INVALID_ARGUMENT,
      );
    });
  });

  describe("request size (10 MiB)", () => {
    it("a commit of 10 MiB or less is accepted; a larger one is refused with INVALID_ARGUMENT and writes nothing", async () => {
      const { db } = client();
      const chunk = "c".repeat(1_000_000);
      const fits = db.batch();
      for (let i = 0; i < 10; i++) fits.set(db.doc(`items/fits-${i}`), { chunk });
      await fits.commit();
      const tooBig = db.batch();
      for (let i = 0; i < 11; i++) tooBig.set(db.doc(`items/big-${i}`), { chunk });
      await rejectsWith(
        tooBig.commit(),
        Code.INVALID_ARGUMENT,
        /Request payload size exceeds the limit: 10485760 bytes/,
      );
      assert.equal((await db.collection("items").get()).size, 10);
    });
  });

  describe("nesting depth (20 levels of maps and arrays)", () => {
    it("20 levels are written; 21 are refused with INVALID_ARGUMENT", async () => {
      const { db } = client();
      await db.doc("items/deep").set({ top: nested(20) });
      assert.equal(UPSTREAM, false, "needs the raw request path of firestore-offline");
      const database = `projects/${client().projectId}/databases/(default)`;
      const write = (depth: number, id: string) => ({
        update: { name: `${database}/documents/items/${id}`, fields: { top: nestedWire(depth) } },
      });
      await rawCommit(target(), database, [write(20, "raw20")]);
      await rejectsWith(
        rawCommit(target(), database, [write(21, "raw21")]),
        Code.INVALID_ARGUMENT,
        /nested more than 20 levels/,
      );
      await rejectsWith(
        rawCommit(target(), database, [
          {
            update: {
              name: `${database}/documents/items/arr`,
              fields: { a: { arrayValue: { values: [nestedWire(20)] } } },
            },
          },
        ]),
        Code.INVALID_ARGUMENT,
        /field 'a\.0\.n\.n/,
      );
      assert.deepEqual(ids(await db.collection("items").get()), ["deep", "raw20"]);
    });
  });

  describe("disjunctions (30 in disjunctive normal form)", () => {
    beforeEach(() => client().db.doc("items/a").set({ n: 1, m: 1 }));
    const values = (count: number) => Array.from({ length: count }, (_, i) => i + 1);

    it("in and array-contains-any take up to 30 values", async () => {
      const items = client().db.collection("items");
      assert.deepEqual(ids(await items.where("n", "in", values(30)).get()), ["a"]);
      await rejectsWithCode(items.where("n", "in", values(31)).get(), Code.INVALID_ARGUMENT);
      await rejectsWithCode(items.where("n", "array-contains-any", values(31)).get(), Code.INVALID_ARGUMENT);
    });

    it("or and nested in filters multiply out; over 30 is refused", async () => {
      const items = client().db.collection("items");
      assert.deepEqual(ids(await items.where("n", "in", values(5)).where("m", "in", values(6)).get()), ["a"]);
      await rejectsWithCode(items.where("n", "in", values(6)).where("m", "in", values(6)).get(), Code.INVALID_ARGUMENT);
      const ors = (count: number) => Filter.or(...values(count).map((v) => Filter.where("n", "==", v)));
      assert.deepEqual(ids(await items.where(ors(30)).get()), ["a"]);
      await rejectsWithCode(items.where(ors(31)).get(), Code.INVALID_ARGUMENT);
    });

    it("not-in takes up to 10 values", async () => {
      const items = client().db.collection("items");
      assert.deepEqual(ids(await items.where("n", "not-in", values(11).slice(1)).get()), ["a"]);
      await rejectsWithCode(items.where("n", "not-in", values(11)).get(), Code.INVALID_ARGUMENT);
    });
  });

  describe("transaction deadlines", () => {
    let short: Target | undefined;
    let shortClient: Client | undefined;
    const previousHost = process.env.FIRESTORE_EMULATOR_HOST;
    before(async () => {
      short = await startTarget({ transactionIdleMs: 250, transactionLifetimeMs: 600 });
      shortClient = connect(short);
    });
    after(async () => {
      await shortClient?.close();
      await short?.stop();
      process.env.FIRESTORE_EMULATOR_HOST = previousHost;
    });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const expired = /transaction has expired or is no longer valid/;

    it("a transaction past its lifetime is refused even while busy (INVALID_ARGUMENT, which the SDK retries)", async () => {
      assert.ok(shortClient);
      const { db } = shortClient;
      const ref = db.doc("jobs/busy");
      await ref.set({ n: 0 });
      const busyBeyondLifetime = async (tx: FirebaseFirestore.Transaction) => {
        // Never idle for long (100 ms < 250 ms), but alive for 800 ms > 600 ms.
        for (let i = 0; i < 8; i++) {
          await tx.get(db.doc(`jobs/other-${i}`));
          await sleep(100);
        }
        tx.update(ref, { n: FieldValue.increment(1) });
      };
      await rejectsWith(db.runTransaction(busyBeyondLifetime, { maxAttempts: 1 }), Code.INVALID_ARGUMENT, expired);
      let attempts = 0;
      await db.runTransaction(async (tx) => {
        attempts++;
        if (attempts === 1) await busyBeyondLifetime(tx);
        else tx.update(ref, { n: FieldValue.increment(1) });
      });
      assert.equal(attempts, 2);
      assert.equal((await ref.get()).get("n"), 1, "only the retried attempt committed");
    });

    it("an idle transaction is refused with the same answer", async () => {
      assert.ok(shortClient);
      const { db } = shortClient;
      const ref = db.doc("jobs/idle");
      await ref.set({ n: 0 });
      await rejectsWith(
        db.runTransaction(
          async (tx) => {
            await tx.get(ref);
            await sleep(400);
            tx.update(ref, { n: 1 });
          },
          { maxAttempts: 1 },
        ),
        Code.INVALID_ARGUMENT,
        expired,
      );
      assert.equal((await ref.get()).get("n"), 0);
    });
  });
});
