// Index requirements as production has them, against a declared set of indexes (the shape of a
// project's firestore.indexes.json): what single-field indexes serve, what needs a composite
// index, directions, array-contains, fieldOverrides exemptions and collection-group scope.
// Refusals are read through onSnapshot, which reports them at once (a get() is retried by the
// SDK for a few seconds first; one test does that too).

import * as assert from "node:assert/strict";
import { FieldPath, Filter, type Query } from "firebase-admin/firestore";
import type { IndexConfig } from "../src/index";
import { Code, TEST_TIMEOUT_MS, UPSTREAM, ids, rejectsWithCode, useTarget } from "./harness";

const INDEXES: IndexConfig = {
  indexes: [
    {
      collectionGroup: "tasks",
      queryScope: "COLLECTION",
      fields: [
        { fieldPath: "status", order: "ASCENDING" },
        { fieldPath: "createdAt", order: "DESCENDING" },
      ],
    },
    {
      collectionGroup: "tasks",
      queryScope: "COLLECTION",
      fields: [
        { arrayConfig: "CONTAINS", fieldPath: "tags" },
        { fieldPath: "priority", order: "DESCENDING" },
      ],
    },
  ],
  fieldOverrides: [
    { collectionGroup: "tasks", fieldPath: "blob", indexes: [] },
    // An override replaces all of a field's automatic indexes, so the collection-scope ones are listed again.
    {
      collectionGroup: "tasks",
      fieldPath: "owner",
      indexes: [
        { order: "ASCENDING", queryScope: "COLLECTION" },
        { order: "DESCENDING", queryScope: "COLLECTION" },
        { order: "ASCENDING", queryScope: "COLLECTION_GROUP" },
      ],
    },
  ],
};

/**
 * The error a listener on `query` gets (undefined if it got a snapshot instead). The SDK reports
 * a removed target as `Error <code>: <message>` without a code property.
 */
function listenError(query: Query): Promise<{ code: number; message: string } | undefined> {
  return new Promise((resolve) => {
    const stop = query.onSnapshot(
      () => {
        stop();
        resolve(undefined);
      },
      (err: Error) => resolve({ code: Number(/^Error (\d+):/.exec(err.message)?.[1] ?? -1), message: err.message }),
    );
  });
}

async function assertNeedsIndex(query: Query, index: object): Promise<void> {
  const err = await listenError(query);
  assert.ok(err !== undefined, "the query ran; production would refuse it");
  assert.equal(err.code, Code.FAILED_PRECONDITION, err.message);
  assert.ok(err.message.includes(JSON.stringify(index)), `names ${JSON.stringify(index)}: ${err.message}`);
}

const index = (fields: object[], queryScope = "COLLECTION") => ({ collectionGroup: "tasks", queryScope, fields });
const asc = (fieldPath: string) => ({ fieldPath, order: "ASCENDING" });
const desc = (fieldPath: string) => ({ fieldPath, order: "DESCENDING" });

describe("firestore-offline: index requirements (firestore.indexes.json)", function () {
  this.timeout(TEST_TIMEOUT_MS * 2);
  const { client } = useTarget({ indexes: INDEXES });
  const tasks = () => client().db.collection("tasks");
  before(function () {
    if (UPSTREAM) this.skip(); // the package as shipped has no notion of indexes at all
  });
  beforeEach(async () => {
    const batch = client().db.batch();
    const rows = [
      { id: "t1", status: "open", owner: "ann", createdAt: 1, priority: 2, tags: ["a", "b"], blob: "x" },
      { id: "t2", status: "open", owner: "bob", createdAt: 3, priority: 1, tags: ["b"], blob: "y" },
      { id: "t3", status: "done", owner: "ann", createdAt: 2, priority: 3, tags: ["a"], blob: "x" },
      { id: "t4", status: "open", owner: "ann", createdAt: 4, priority: 5, tags: [], blob: "z" },
    ];
    for (const { id, ...row } of rows) batch.set(tasks().doc(id), row);
    batch.set(client().db.doc("teams/x/tasks/t9"), { owner: "ann", status: "open", createdAt: 9 });
    await batch.commit();
  });

  it("single-field indexes serve equalities (merged), one range or order, and array-contains with equalities", async () => {
    assert.deepEqual(ids(await tasks().where("status", "==", "open").get()), ["t1", "t2", "t4"]);
    assert.deepEqual(ids(await tasks().where("status", "==", "open").where("owner", "==", "ann").get()), ["t1", "t4"]);
    assert.deepEqual(ids(await tasks().where("createdAt", ">", 1).orderBy("createdAt", "desc").get()), [
      "t4",
      "t2",
      "t3",
    ]);
    assert.deepEqual(ids(await tasks().where("tags", "array-contains", "a").where("owner", "==", "ann").get()), [
      "t1",
      "t3",
    ]);
    assert.deepEqual(ids(await tasks().where("owner", "in", ["bob", "ann"]).where("status", "==", "open").get()), [
      "t1",
      "t2",
      "t4",
    ]);
    assert.deepEqual(
      ids(await tasks().where("status", "==", "open").orderBy("status").get()),
      ["t1", "t2", "t4"],
      "an order on an equality field needs nothing",
    );
    assert.deepEqual(ids(await tasks().where("status", "==", "open").where(FieldPath.documentId(), ">", "t1").get()), [
      "t2",
      "t4",
    ]);
  });

  it("an equality plus an order on another field runs when the composite index is declared, in its direction", async () => {
    assert.deepEqual(ids(await tasks().where("status", "==", "open").orderBy("createdAt", "desc").get()), [
      "t4",
      "t2",
      "t1",
    ]);
    assert.deepEqual(
      ids(await tasks().where("status", "in", ["open", "done"]).orderBy("createdAt", "desc").limit(3).get()),
      ["t4", "t2", "t3"],
    );
    assert.deepEqual(
      ids(await tasks().where("status", "==", "open").where("createdAt", "<", 4).orderBy("createdAt", "desc").get()),
      ["t2", "t1"],
    );
    await assertNeedsIndex(
      tasks().where("status", "==", "open").orderBy("createdAt"),
      index([asc("status"), asc("createdAt")]),
    );
    await assertNeedsIndex(
      tasks().where("owner", "==", "ann").orderBy("createdAt", "desc"),
      index([asc("owner"), desc("createdAt")]),
    );
    await assertNeedsIndex(
      tasks().where("owner", "==", "ann").where("createdAt", ">", 1),
      index([asc("owner"), asc("createdAt")]),
    );
  });

  it("orders or ranges on two fields need a composite index", async () => {
    await assertNeedsIndex(
      tasks().orderBy("priority").orderBy("createdAt", "desc"),
      index([asc("priority"), desc("createdAt")]),
    );
    await assertNeedsIndex(
      tasks().where("priority", ">", 1).where("createdAt", ">", 1),
      index([asc("createdAt"), asc("priority")]),
    );
  });

  it("array-contains plus an order needs an arrayConfig CONTAINS index", async () => {
    assert.deepEqual(ids(await tasks().where("tags", "array-contains", "b").orderBy("priority", "desc").get()), [
      "t1",
      "t2",
    ]);
    assert.deepEqual(
      ids(await tasks().where("tags", "array-contains-any", ["a", "b"]).orderBy("priority", "desc").get()),
      ["t3", "t1", "t2"],
    );
    await assertNeedsIndex(
      tasks().where("tags", "array-contains", "b").orderBy("priority"),
      index([{ fieldPath: "tags", arrayConfig: "CONTAINS" }, asc("priority")]),
    );
  });

  it("every disjunct of an or needs its index", async () => {
    const either = Filter.or(Filter.where("status", "==", "done"), Filter.where("owner", "==", "bob"));
    assert.deepEqual(ids(await tasks().where(either).get()), ["t2", "t3"]);
    await assertNeedsIndex(
      tasks().where(either).orderBy("createdAt", "desc"),
      index([asc("owner"), desc("createdAt")]),
    );
  });

  it("a field exempted in fieldOverrides has no single-field index", async () => {
    const err = await listenError(tasks().where("blob", "==", "x"));
    assert.equal(err?.code, Code.FAILED_PRECONDITION);
    assert.match(err.message, /"collectionGroup":"tasks","fieldPath":"blob"/);
  });

  it("collection-group queries need COLLECTION_GROUP indexes (automatic ones are collection scope)", async () => {
    const group = client().db.collectionGroup("tasks");
    assert.deepEqual(ids(await group.where("owner", "==", "ann").get()), ["t1", "t3", "t4", "t9"]);
    const err = await listenError(group.where("status", "==", "open"));
    assert.equal(err?.code, Code.FAILED_PRECONDITION);
    assert.match(
      err.message,
      /"fieldPath":"status","indexes":\[\{"order":"ASCENDING","queryScope":"COLLECTION_GROUP"\}\]/,
    );
    await assertNeedsIndex(
      group.where("owner", "==", "ann").orderBy("createdAt"),
      index([asc("owner"), asc("createdAt")], "COLLECTION_GROUP"),
    );
  });

  it("get() of a query that needs an undeclared index fails with FAILED_PRECONDITION too", async () => {
    await rejectsWithCode(tasks().where("owner", "==", "ann").orderBy("priority").get(), Code.FAILED_PRECONDITION);
  });
});
