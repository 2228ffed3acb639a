// The emulator as a server: loopback-only binding, the HTTP admin API on the gRPC port
// (health, clear, stats), and export → stop → start → import.

import * as assert from "node:assert/strict";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { promises as fs } from "node:fs";
import { DocumentReference, GeoPoint, Timestamp, type DocumentData } from "firebase-admin/firestore";
import { startOfflineFirestore, type LOOPBACK } from "../src/index";
import {
  TEST_TIMEOUT_MS,
  connect,
  deferred,
  offlineOf,
  startTarget,
  useTarget,
  waitFor,
  type Client,
  type Target,
} from "./harness";

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("firestore-offline: server", function () {
  this.timeout(TEST_TIMEOUT_MS);
  const { target, client } = useTarget();
  const url = (pathname: string) => `http://127.0.0.1:${target().port}${pathname}`;

  describe("binding", () => {
    it("listens on 127.0.0.1 only", async () => {
      assert.equal(await canConnect("127.0.0.1", target().port), true);
      // Linux routes all of 127.0.0.0/8 to loopback: a wildcard (0.0.0.0) bind would accept this.
      assert.equal(
        await canConnect("127.0.0.2", target().port),
        false,
        "reachable on 127.0.0.2: not bound to 127.0.0.1 only",
      );
      assert.equal(offlineOf(target()).host, "127.0.0.1");
    });

    it("refuses any other host", async () => {
      const host: string = "0.0.0.0";
      await assert.rejects(
        startOfflineFirestore({ host: host as typeof LOOPBACK, port: 0 }),
        /only listens on 127\.0\.0\.1/,
      );
    });

    it("fails fast with a clear message when the port is in use", async () => {
      await assert.rejects(startOfflineFirestore({ port: target().port }), /already in use/);
    });
  });

  describe("admin API on the same port", () => {
    it("answers only requests whose Host is a loopback name (no DNS rebinding)", async () => {
      const request = (host: string, method = "GET", path = "/") =>
        new Promise<number>((resolve, reject) => {
          const req = http.request(
            { host: "127.0.0.1", port: target().port, method, path, headers: { host } },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on("error", reject);
          req.end();
        });
      await client().db.doc("kept/one").set({ a: 1 });
      assert.equal(
        await request(
          "evil.example:80",
          "DELETE",
          `/emulator/v1/projects/${client().projectId}/databases/(default)/documents`,
        ),
        403,
      );
      assert.equal(await request("127.0.0.1.nip.io"), 403);
      assert.equal((await client().db.doc("kept/one").get()).exists, true, "the refused clear cleared nothing");
      for (const host of [`127.0.0.1:${target().port}`, "localhost", `[::1]:${target().port}`])
        assert.equal(await request(host), 200, host);
    });

    it("GET / answers Ok", async () => {
      const res = await fetch(url("/"));
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "Ok");
    });

    it("DELETE .../projects/{p}/databases/(default)/documents clears only that project", async () => {
      const { db, projectId } = client();
      const other = connect(target());
      try {
        await db.doc("jobs/a").set({ v: 1 });
        await db.doc("jobs/a/logs/l").set({ v: 1 });
        await other.db.doc("jobs/a").set({ v: 2 });
        const res = await fetch(url(`/emulator/v1/projects/${projectId}/databases/(default)/documents`), {
          method: "DELETE",
        });
        assert.equal(res.status, 200);
        assert.equal((await db.doc("jobs/a").get()).exists, false);
        assert.equal((await db.collectionGroup("logs").get()).size, 0);
        assert.equal((await other.db.doc("jobs/a").get()).get("v"), 2);
      } finally {
        await other.close();
      }
    });

    it("counts reads as billed, writes, deletes, queries, commits, transactions, rollbacks and listens", async () => {
      const { db } = client();
      assert.equal((await fetch(url("/emulator/v1/stats:reset"), { method: "POST" })).status, 200);
      const stats = async () => {
        const res = await fetch(url("/emulator/v1/stats"));
        assert.equal(res.status, 200);
        const { since: _since, ...counters } = (await res.json()) as Record<string, unknown>;
        return counters;
      };

      await db.doc("s/a").set({ v: 1 }); // 1 write, 1 commit
      await db.doc("s/b").set({ v: 2 }); // 1 write, 1 commit
      await db.doc("s/a").get(); // 1 read
      await db.doc("s/missing").get(); // 1 read (missing documents are billed)
      await db.collection("s").get(); // 2 reads, 1 query
      await db.collection("empty").get(); // 1 read (empty result), 1 query
      await db.collection("s").count().get(); // 1 read (up to 1000 entries), 1 query
      await db.doc("s/b").delete(); // 1 delete, 1 commit
      const { writeTime: stale } = await db.doc("s/a").set({ v: 1 }); // 1 write, 1 commit
      await db.doc("s/a").set({ v: 3 }); // 1 write, 1 commit
      await assert.rejects(
        db.doc("s/a").update({ v: 2 }, { lastUpdateTime: stale }),
        /FAILED_PRECONDITION|stored version/,
      ); // 1 refused commit
      await db.runTransaction(async (tx) => {
        const snap = await tx.get(db.doc("s/a")); // 1 read, 1 transaction
        tx.update(db.doc("s/a"), { v: (snap.get("v") as number) + 1 }); // 1 write, 1 commit
      });
      await assert.rejects(
        db.runTransaction(async (tx) => {
          await tx.get(db.doc("s/a")); // 1 read, 1 transaction
          throw new Error("changed my mind"); // → rollback
        }),
        /changed my mind/,
      );
      const seen = deferred();
      const unsubscribe = db.doc("s/a").onSnapshot(() => seen.resolve()); // 1 listen, 1 read
      await seen.promise;
      unsubscribe();

      // The SDK sends Rollback without waiting for it.
      await waitFor(async () => (await stats()).rollbacks === 1, "the SDK's asynchronous rollback");
      assert.deepEqual(await stats(), {
        documentReads: 9,
        documentWrites: 5,
        documentDeletes: 1,
        queries: 3,
        commits: 6,
        commitsRefused: 1,
        batchWrites: 0,
        transactionsBegun: 2,
        transactionsAborted: { total: 0, documentChanged: 0, queryChanged: 0, expired: 0 },
        rollbacks: 1,
        listens: 1,
      });
    });

    it("counts aborted transactions by reason", async () => {
      const { db } = client();
      await fetch(url("/emulator/v1/stats:reset"), { method: "POST" });
      const job = db.doc("jobs/j");
      await job.set({ holder: null });
      let firstReads = 0;
      const allRead = deferred();
      await Promise.all(
        [0, 1, 2].map((i) =>
          db.runTransaction(async (tx) => {
            const snap = await tx.get(job);
            if (++firstReads === 3) allRead.resolve();
            await allRead.promise;
            if (snap.get("holder") === null) tx.update(job, { holder: i });
          }),
        ),
      );
      let phantomAttempts = 0;
      await db.runTransaction(async (tx) => {
        phantomAttempts++;
        await tx.get(db.collection("jobs").where("holder", "==", null));
        if (phantomAttempts === 1) await db.doc("jobs/new").set({ holder: null });
        tx.set(db.doc("marks/m"), { ok: true });
      });
      const response = await fetch(url("/emulator/v1/stats"));
      const counters = (await response.json()) as { transactionsAborted: unknown; transactionsBegun: unknown };
      assert.deepEqual(counters.transactionsAborted, { total: 3, documentChanged: 2, queryChanged: 1, expired: 0 });
      assert.equal(counters.transactionsBegun, 3 + 2 + 2);
    });

    it("answers 404 for unknown admin routes", async () => {
      assert.equal((await fetch(url("/emulator/v1/nope"))).status, 404);
    });
  });

  describe("export and import", () => {
    let dataDir = "";
    const started: Target[] = [];
    const clients: Client[] = [];
    const previousHost = process.env.FIRESTORE_EMULATOR_HOST;
    beforeEach(async () => {
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "firestore-offline-"));
    });
    afterEach(async () => {
      for (const c of clients.splice(0)) await c.close();
      for (const t of started.splice(0)) await t.stop();
      await fs.rm(dataDir, { recursive: true, force: true });
      process.env.FIRESTORE_EMULATOR_HOST = previousHost;
    });
    const start = async () => {
      const t = await startTarget({ dataDir });
      started.push(t);
      return t;
    };
    const open = (t: Target, projectId: string) => {
      const c = connect(t, { useBigInt: true, projectId });
      clients.push(c);
      return c;
    };
    const comparable = (data: DocumentData | undefined): unknown =>
      JSON.parse(
        JSON.stringify(data, (_key, value: unknown) => {
          if (typeof value === "bigint") return `bigint:${value}`;
          if (typeof value === "number" && !Number.isFinite(value)) return `number:${value}`;
          if (typeof value === "number" && Object.is(value, -0)) return "number:-0";
          if (value instanceof DocumentReference) return `ref:${value.path}`;
          if (value instanceof GeoPoint) return `geo:${value.latitude},${value.longitude}`;
          if (value instanceof Timestamp) return `ts:${value.seconds}.${value.nanoseconds}`;
          if (typeof value === "object" && value !== null && "type" in value && value.type === "Buffer") {
            return `bytes:${JSON.stringify(value)}`;
          }
          return value;
        }),
      );

    it("export → stop → start with import preserves every value type and the document times", async () => {
      const projectId = "demo-conformance-export";
      const first = await start();
      const { db } = open(first, projectId);
      const typed = {
        big: 2n ** 62n + 7n,
        int: 5n,
        double: 5.5,
        negativeZero: -0,
        nan: NaN,
        infinity: -Infinity,
        timestamp: new Timestamp(1_700_000_000, 123_456_789),
        bytes: Buffer.from([0, 1, 254, 255]),
        geo: new GeoPoint(52.5, -0.25),
        ref: db.doc("jobs/j1"),
        nothing: null,
        flag: false,
        text: "héllo \u{1F600}",
        list: [1n, "x", { inner: 2.5 }],
        map: { deep: { deeper: [true] } },
      };
      await db.doc("types/all").set(typed);
      await db.doc("types/all/sub/child").set({ n: 1n });
      const before = await db.doc("types/all").get();
      await first.stop({ export: true });

      const exported = JSON.parse(await fs.readFile(path.join(dataDir, "documents.json"), "utf8")) as {
        documents: { name: string; fields: Record<string, unknown> }[];
      };
      assert.equal(exported.documents.length, 2);
      assert.deepEqual(exported.documents[0]?.fields.big, { integerValue: "4611686018427387911" });

      const second = await start();
      const reopened = open(second, projectId).db;
      const after = await reopened.doc("types/all").get();
      assert.deepEqual(comparable(after.data()), comparable(typed));
      assert.equal(typeof after.get("int"), "bigint", "integers stay integers");
      assert.equal(typeof after.get("double"), "number", "doubles stay doubles");
      assert.ok(after.createTime?.isEqual(before.createTime ?? Timestamp.fromMillis(0)));
      assert.ok(after.updateTime?.isEqual(before.updateTime ?? Timestamp.fromMillis(0)));
      assert.equal((await reopened.doc("types/all/sub/child").get()).get("n"), 1n);

      const rewritten = await reopened.doc("types/all").update({ flag: true });
      assert.ok(
        rewritten.writeTime > (before.updateTime ?? Timestamp.fromMillis(0)),
        "the clock continues after the import",
      );
    });

    it("POST /emulator/v1/export writes the export file now", async () => {
      const t = await start();
      const { db, projectId } = open(t, "demo-conformance-export-now");
      await db.doc("a/b").set({ v: 1 });
      const res = await fetch(`http://127.0.0.1:${t.port}/emulator/v1/export`, { method: "POST" });
      assert.equal(res.status, 200);
      const text = await fs.readFile(path.join(dataDir, "documents.json"), "utf8");
      assert.match(text, new RegExp(`projects/${projectId}/databases/\\(default\\)/documents/a/b`));
      assert.deepEqual(
        (await fs.readdir(dataDir)).sort(),
        ["documents.json", "documents.pid"],
        "no temporary files are left behind",
      );
    });
  });
});
