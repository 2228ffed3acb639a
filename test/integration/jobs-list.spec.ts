import assert from "node:assert/strict";
import { genericJobDoc } from "../../functions/src/core/jobsApi/model";
import { adminDb, call, createUser } from "../harness/stack";
import { createJob, jobsUser } from "./jobs-fixtures";

interface Page {
  jobs: { id: string; status: string; type: string; createdAt: string }[];
  nextCursor: string | null;
}

const BASE = Date.parse("2026-01-01T00:00:00.000Z");

/**
 * Seeds jobs straight into Firestore (250 HTTP creates would take minutes), built by the same
 * genericJobDoc the API uses. Five jobs share each createdAt, so the id tie-break is exercised.
 */
async function seed(
  ownerUid: string,
  count: number,
  shape: (i: number) => { type?: string; status?: string } = () => ({}),
): Promise<string[]> {
  const batch = adminDb().batch();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `seed${ownerUid.slice(0, 6)}${String(i).padStart(4, "0")}x${(i * 7919) % 1000}`;
    const { type = "implement", status } = shape(i);
    const doc = genericJobDoc(
      id,
      { ownerUid, type, workflowPath: "w.md", params: { i }, leaseMs: 4000 },
      new Date(BASE + Math.floor(i / 5) * 1000),
    );
    batch.create(
      adminDb().collection("jobs").doc(id),
      status === undefined ? doc : { ...doc, status, pendingShard: null },
    );
    ids.push(id);
  }
  await batch.commit();
  return ids;
}

async function page(token: string, query: string): Promise<Page> {
  const response = await call<Page>("GET", `/jobs?${query}`, { token });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

describe("jobs API: listing (seed 002)", () => {
  it("pages through 250 jobs newest first, each exactly once, stable while new jobs arrive", async function () {
    this.timeout(120_000);
    const { user, readKey } = await jobsUser();
    const other = await createUser();
    const ids = await seed(user.uid, 250);
    await seed(other.uid, 20);

    const seen: Page["jobs"] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const body: Page = await page(
        readKey,
        `limit=100${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      pages += 1;
      assert.ok(body.jobs.length <= 100);
      seen.push(...body.jobs);
      cursor = body.nextCursor;
      // A job created mid-listing is newer than the cursor: it must not show up in later pages.
      if (pages === 1) await createJob(user.idToken);
    } while (cursor !== null);

    assert.equal(pages, 3);
    assert.equal(seen.length, 250);
    assert.equal(new Set(seen.map((j) => j.id)).size, 250, "no job twice");
    assert.deepEqual(new Set(seen.map((j) => j.id)), new Set(ids), "every seeded job, and only this owner's");
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]];
      assert.ok(a && b);
      const ordered = a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id);
      assert.ok(ordered, `order at ${i}: ${a.createdAt}/${a.id} then ${b.createdAt}/${b.id}`);
    }
    // Default page size is 50; the newest job (created mid-listing) leads a fresh listing.
    const fresh = await page(user.idToken, "");
    assert.equal(fresh.jobs.length, 50);
    assert.ok(fresh.nextCursor);
    assert.ok(!ids.includes(fresh.jobs[0]?.id ?? ""));
  });

  it("filters by status and type, alone and together", async () => {
    const { user } = await jobsUser();
    await seed(user.uid, 30, (i) => ({
      type: i % 3 === 0 ? "review" : "implement",
      status: i % 2 === 0 ? "RUNNING" : undefined,
    }));
    const running = await page(user.idToken, "status=RUNNING&limit=200");
    assert.equal(running.jobs.length, 15);
    assert.ok(running.jobs.every((j) => j.status === "RUNNING"));
    const reviews = await page(user.idToken, "type=review&limit=200");
    assert.equal(reviews.jobs.length, 10);
    assert.ok(reviews.jobs.every((j) => j.type === "review"));
    const both = await page(user.idToken, "type=review&status=RUNNING&limit=200");
    assert.equal(both.jobs.length, 5);
    const either = await page(user.idToken, "status=RUNNING,PENDING&limit=200");
    assert.equal(either.jobs.length, 30);
    // Paging under a filter stays inside it.
    const first = await page(user.idToken, "status=RUNNING&limit=10");
    assert.ok(first.nextCursor);
    const second = await page(user.idToken, `status=RUNNING&limit=10&cursor=${encodeURIComponent(first.nextCursor)}`);
    assert.equal(second.jobs.length, 5);
    assert.equal(second.nextCursor, null);
  });

  it("answers 400 for a bad limit, status or cursor", async () => {
    const { user } = await jobsUser();
    for (const query of ["limit=201", "limit=0", "limit=abc", "status=DONE", "cursor=garbage"]) {
      const response = await call<{ error: string }>("GET", `/jobs?${query}`, { token: user.idToken });
      assert.equal(response.status, 400, query);
      assert.ok(["INVALID_REQUEST", "INVALID_CURSOR"].includes(response.body.error), query);
    }
  });
});
