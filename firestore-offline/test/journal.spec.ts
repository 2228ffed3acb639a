// The journal (src/journal.ts): every acknowledged commit survives a SIGKILL of the server; a
// line cut short by the kill is ignored; compaction is crash-safe at each of its steps.
// firestore-offline's own persistence, so these run whatever the conformance target.

import * as assert from "node:assert/strict";
import * as os from "node:os";
import * as path from "node:path";
import { promises as fs } from "node:fs";
import { spawn } from "node:child_process";
import { Firestore } from "@google-cloud/firestore";
import { startOfflineFirestore, type OfflineFirestore } from "../src";
import { PROCESS_START_MS, TEST_TIMEOUT_MS, waitFor } from "./harness";

const MAIN = path.join(__dirname, "..", "src", "main.ts");
const PROJECT = "demo-journal";

/** The SDK reads FIRESTORE_EMULATOR_HOST in its constructor (each spec file sets it for itself). */
function client(port: number): Firestore {
  process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${port}`;
  return new Firestore({ projectId: PROJECT, useBigInt: true });
}

describe("firestore-offline: journal", function () {
  this.timeout(TEST_TIMEOUT_MS * 2);
  let dataDir = "";
  const servers: OfflineFirestore[] = [];
  const clients: Firestore[] = [];
  const previousHost = process.env.FIRESTORE_EMULATOR_HOST;
  beforeEach(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "firestore-offline-journal-"));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.terminate();
    for (const s of servers.splice(0)) await s.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
    process.env.FIRESTORE_EMULATOR_HOST = previousHost;
  });
  const start = async (options: { compactAfterBytes?: number } = {}) => {
    const server = await startOfflineFirestore({ port: 0, dataDir, ...options });
    servers.push(server);
    const db = client(server.port);
    clients.push(db);
    return { server, db };
  };
  const logs = async () => (await fs.readdir(dataDir)).filter((name) => name.endsWith(".log")).sort();

  it("keeps every acknowledged commit when the server is killed with SIGKILL", async () => {
    const child = spawn(
      process.execPath,
      ["--require", require.resolve("tsx/cjs"), MAIN, "--port", "0", "--data", dataDir],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    try {
      const ready = /listening on 127\.0\.0\.1:(\d+)/;
      await waitFor(() => ready.test(out) || child.exitCode !== null, "the ready line", PROCESS_START_MS);
      const db = client(Number(ready.exec(out)?.[1]));
      const acknowledged: string[] = [];
      let stop = false;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const id = `w${w}-${i}`;
          try {
            await db.doc(`burst/${id}`).set({ w, i, big: 2n ** 60n });
            acknowledged.push(id);
          } catch {
            return; // the server is gone
          }
        }
      };
      for (const w of [0, 1, 2, 3]) void writer(w);
      await waitFor(() => acknowledged.length >= 100, "100 acknowledged writes", 8_000);
      await assert.rejects(
        startOfflineFirestore({ port: 0, dataDir }),
        /in use by another offline Firestore/,
        "a second server would compact away the journal the first is appending to",
      );
      child.kill("SIGKILL");
      await exited;
      stop = true;
      // Writes in flight are retried by the SDK for a minute: left to fail on their own (the
      // dead server acknowledges nothing more, so `acknowledged` is final).
      void db.terminate().catch(() => undefined);
      assert.deepEqual(
        (await fs.readdir(dataDir)).sort(),
        ["documents.0.log", "documents.pid"],
        "nothing but the journal (and the dead owner's pid) was written",
      );

      const { db: reopened } = await start();
      const found = new Set((await reopened.collection("burst").get()).docs.map((d) => d.id));
      const missing = acknowledged.filter((id) => !found.has(id));
      assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged writes lost`);
      assert.equal((await reopened.doc(`burst/${acknowledged[0]}`).get()).get("big"), 2n ** 60n);
      assert.deepEqual(await logs(), [], "the replayed journal was folded into the snapshot");
      const snapshot = JSON.parse(await fs.readFile(path.join(dataDir, "documents.json"), "utf8")) as { log: number };
      assert.equal(snapshot.log, 1, "the snapshot names the generation after the replayed one");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("replays updates, deletes and clears in order, and ignores a last line cut short", async () => {
    const first = await start();
    await first.db.doc("a/1").set({ v: 1 });
    await first.db.doc("a/1").update({ v: 2 });
    await first.db.doc("a/2").set({ v: 1 });
    await first.db.doc("a/2").delete();
    await first.db.doc("other/x").set({ v: 1 });
    const cleared = await fetch(
      `http://127.0.0.1:${first.server.port}/emulator/v1/projects/${PROJECT}/databases/(default)/documents`,
      { method: "DELETE" },
    );
    assert.equal(cleared.status, 200);
    await first.db.doc("a/3").set({ v: 3 });
    const written = await first.db.doc("a/1").set({ v: 4 });
    // Not stopped: as if killed. A write cut short leaves half a line at the end.
    await fs.appendFile(path.join(dataDir, "documents.0.log"), '{"t":"1","w":[{"name":"projects/');

    const second = await start();
    const docs = (await second.db.collection("a").get()).docs.map((d) => [d.id, d.get("v") as bigint]);
    assert.deepEqual(docs, [
      ["1", 4n],
      ["3", 3n],
    ]);
    assert.equal((await second.db.doc("other/x").get()).exists, false, "the clear was replayed");
    const a1 = await second.db.doc("a/1").get();
    assert.ok(a1.updateTime?.isEqual(written.writeTime), "update times survive the replay");
    const next = await second.db.doc("a/1").set({ v: 5 });
    assert.ok(next.writeTime > written.writeTime, "the clock continues after the replay");
  });

  it("compacts when the journal grows, and a start after any compaction step finds everything", async () => {
    const { server, db } = await start({ compactAfterBytes: 2_000 });
    for (let i = 0; i < 60; i++) await db.doc(`c/${i}`).set({ i, pad: "x".repeat(100) });
    await waitFor(async () => (await logs()).length <= 1, "compaction to drop old generations");
    const snapshot = JSON.parse(await fs.readFile(path.join(dataDir, "documents.json"), "utf8")) as {
      log: number;
      documents: unknown[];
    };
    assert.ok(snapshot.log > 1, `several compactions ran (log ${snapshot.log})`);
    assert.ok(snapshot.documents.length > 0);

    // A compaction that died after writing its snapshot but before deleting the old generation:
    // the stale generation (an older state of c/0) is ignored and removed.
    await fs.writeFile(
      path.join(dataDir, `documents.${snapshot.log - 1}.log`),
      `${JSON.stringify({ t: "1", w: [{ name: `projects/${PROJECT}/databases/(default)/documents/c/0`, deleted: true }] })}\n`,
    );
    servers.splice(servers.indexOf(server), 1);
    await server.stop(); // no export: the current generation is the only record of the last commits
    const { db: reopened } = await start();
    assert.equal((await reopened.collection("c").get()).size, 60);
    assert.equal((await reopened.doc("c/0").get()).get("i"), 0n);
    assert.ok(!(await logs()).includes(`documents.${snapshot.log - 1}.log`), "the stale generation was removed");
  });
});
