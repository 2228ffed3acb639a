/**
 * Seed 002's webhook ingress end to end: a team admin configures a plugin, a provider's signed
 * delivery becomes one `webhook` job that the team's runner leases, refusals store no job, and
 * retries of one delivery id (in turn and at once) make one job.
 */
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import type { WebhookPayload } from "../../contract/src/jobs";
import { sleep } from "../harness/fixtures";
import { adminDb, call, createUser, type TestUser } from "../harness/stack";
import { runnerCall, warmUp } from "./jobs-fixtures";
import { createTeam, runnerToken } from "./teams-fixtures";

const ONE_MIB = 1024 * 1024;
/** Concurrent deliveries of one id in the race test (and ingress workers warmed for it). */
const BURST = 4;
/** A body a JSON parser would not give back byte for byte: key order, spacing, escapes, a newline. */
const BODY = Buffer.from('{ "zen":"Keep it logically awesome.", "é": "\\u00e9",\t"hook_id": 7 }\n', "utf8");

interface Accepted {
  id: string;
  deliveryId: string | null;
  jobId: string;
  duplicate: boolean;
}
interface LeasedWebhook {
  id: string;
  kind: string;
  type: string;
  leaseToken: string;
  payload?: WebhookPayload;
}
interface DeliveryView {
  id: string;
  outcome: string;
  verified: boolean;
  reason: string | null;
  jobId: string | null;
  redeliveryOf: string | null;
  bodyBytes: number;
}

const sign = (secret: string, body: Buffer, algorithm = "sha256") =>
  `${algorithm}=${createHmac(algorithm, secret).update(body).digest("hex")}`;

function deliver(teamId: string, pluginId: string, body: Buffer, headers: Record<string, string>) {
  return call<Accepted>("POST", `/webhook/${teamId}/${pluginId}`, {
    rawBody: body,
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      ...headers,
    },
  });
}

async function configure(owner: TestUser, teamId: string, settings: Record<string, unknown>) {
  const created = await call<{ secret: string; url: string; pluginId: string }>("POST", `/teams/${teamId}/webhooks`, {
    token: owner.idToken,
    body: settings,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body;
}

async function lease(key: string, runnerId = "hooks-1"): Promise<LeasedWebhook[]> {
  const leased = await call<{ jobs: LeasedWebhook[] }>("POST", "/jobs/runner/lease", {
    token: key,
    body: { runnerId, limit: 10 },
  });
  assert.equal(leased.status, 200, JSON.stringify(leased.body));
  return leased.body.jobs;
}

async function webhookJobs(teamId: string): Promise<string[]> {
  const snap = await adminDb().collection("jobs").where("teamId", "==", teamId).get();
  return snap.docs.filter((d) => d.get("kind") === "webhook").map((d) => d.id);
}

async function deliveries(owner: TestUser, teamId: string, pluginId: string): Promise<DeliveryView[]> {
  const listed = await call<{ deliveries: DeliveryView[] }>("GET", `/teams/${teamId}/webhooks/${pluginId}/deliveries`, {
    token: owner.idToken,
  });
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  return listed.body.deliveries;
}

describe("webhooks: POST /webhook/:teamId/:pluginId (seed 002)", () => {
  let owner: TestUser;
  let teamId: string;
  let secret: string;
  let runnerKey: string;

  before(async function () {
    // Cold workers take seconds each; the lease the tests shorten to 4 s must not pay for them.
    this.timeout(240_000);
    await warmUp([
      // Grown in steps, so that few workers boot at once on a busy machine.
      ["/webhook/warm/up", 1],
      ["/webhook/warm/up", 2],
      ["/webhook/warm/up", BURST],
      ["/teams/warm/webhooks", 1],
      ["/teams/warm/webhooks/up", 1],
      ["/teams/warm/webhooks/up/deliveries", 1],
      ["/teams/warm/webhooks/up/deliveries/x/redeliver", 1],
      ["/jobs/runner/lease", 1],
      ["/jobs/warm/runner/complete", 1],
    ]);
  });

  beforeEach(async function () {
    this.timeout(60_000);
    owner = await createUser();
    teamId = (await createTeam(owner, "Hooks")).teamId;
    const created = await configure(owner, teamId, {
      pluginId: "github",
      algorithm: "sha256",
      format: "prefixed",
      header: "X-Hub-Signature-256",
    });
    secret = created.secret;
    runnerKey = (await runnerToken(owner, teamId)).token;
  });

  it("configures a plugin with a secret shown once and stored sealed", async () => {
    assert.match(secret, /^[0-9a-f]{64}$/, "256 random bits, hex");
    const read = await call<Record<string, unknown>>("GET", `/teams/${teamId}/webhooks/github`, {
      token: owner.idToken,
    });
    assert.equal(read.status, 200);
    assert.equal(read.body.header, "x-hub-signature-256");
    assert.equal(read.body.url, `/webhook/${teamId}/github`);
    assert.ok(!JSON.stringify(read.body).includes(secret) && !("secret" in read.body));
    const stored = (await adminDb().doc(`teams/${teamId}/webhooks/github`).get()).data();
    assert.ok(stored !== undefined && !JSON.stringify(stored).includes(secret), "the secret is not stored in clear");
    const again = await call("POST", `/teams/${teamId}/webhooks`, {
      token: owner.idToken,
      body: { pluginId: "github", algorithm: "sha1", format: "prefixed", header: "X-Hub-Signature" },
    });
    assert.equal(again.status, 409);
    const incoherent = await call("PATCH", `/teams/${teamId}/webhooks/github`, {
      token: owner.idToken,
      body: { algorithm: "token" },
    });
    assert.equal(incoherent.status, 400, JSON.stringify(incoherent.body));
    const rotated = await call<{ secret: string }>("PATCH", `/teams/${teamId}/webhooks/github`, {
      token: owner.idToken,
      body: { rotateSecret: true },
    });
    assert.equal(rotated.status, 200);
    assert.match(rotated.body.secret, /^[0-9a-f]{64}$/);
    assert.notEqual(rotated.body.secret, secret);
    // The old secret stops at once; the new one works.
    assert.equal((await deliver(teamId, "github", BODY, { "x-hub-signature-256": sign(secret, BODY) })).status, 401);
    assert.equal(
      (await deliver(teamId, "github", BODY, { "x-hub-signature-256": sign(rotated.body.secret, BODY) })).status,
      202,
    );
  });

  it("turns a valid GitHub-style delivery into one job that a runner of the team leases, bytes intact", async () => {
    const deliveryId = randomUUID();
    const answer = await deliver(teamId, "github", BODY, {
      "x-hub-signature-256": sign(secret, BODY),
      "x-github-delivery": deliveryId,
    });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    assert.equal(answer.body.duplicate, false);
    assert.equal(answer.body.deliveryId, deliveryId);

    const [job, ...more] = await lease(runnerKey);
    assert.ok(job !== undefined && more.length === 0, "exactly one job");
    assert.equal(job.id, answer.body.jobId);
    assert.equal(job.kind, "webhook");
    assert.equal(job.type, "webhook");
    assert.ok(job.payload !== undefined);
    assert.equal(job.payload.pluginId, "github");
    assert.equal(job.payload.deliveryId, deliveryId);
    assert.equal(job.payload.headers["x-github-event"], "pull_request");
    assert.equal(job.payload.headers["x-hub-signature-256"], sign(secret, BODY));
    assert.equal(job.payload.headers.authorization, undefined);
    assert.deepEqual(Buffer.from(job.payload.rawBody ?? "", "base64"), BODY, "the exact bytes received");

    const done = await runnerCall(runnerKey, job.id, "complete", "hooks-1", job.leaseToken, { result: { ok: 1 } });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    const [listed] = await deliveries(owner, teamId, "github");
    assert.equal(listed?.outcome, "accepted");
    assert.equal(listed?.verified, true);
    assert.equal(listed?.jobId, job.id);
    assert.equal(listed?.bodyBytes, BODY.length);
  });

  it("answers every refusal 401 alike and stores no job and no body", async () => {
    await configure(owner, teamId, {
      pluginId: "stripe-like",
      algorithm: "sha256",
      format: "timestamped",
      header: "X-Signature",
    });
    const tamperedBody = Buffer.from(BODY);
    tamperedBody[5] = (tamperedBody[5] ?? 0) ^ 0x01;
    const stale = Math.floor(Date.now() / 1000) - 301;
    const staleSig = `t=${stale},v1=${createHmac("sha256", secret).update(`${stale}.`).update(BODY).digest("hex")}`;
    const good = { "x-hub-signature-256": sign(secret, BODY) };
    const cases: [name: string, team: string, plugin: string, body: Buffer, headers: Record<string, string>][] = [
      ["wrong signature", teamId, "github", BODY, { "x-hub-signature-256": sign("not the secret", BODY) }],
      ["missing header", teamId, "github", BODY, {}],
      ["wrong algorithm", teamId, "github", BODY, { "x-hub-signature-256": sign(secret, BODY, "sha1") }],
      ["one tampered byte", teamId, "github", tamperedBody, good],
      ["stale timestamp", teamId, "stripe-like", BODY, { "x-signature": staleSig }],
      ["unknown plugin", teamId, "gitlab", BODY, good],
      ["unknown team", "team_doesnotexist", "github", BODY, good],
      ["malformed plugin id", teamId, "git..hub%20x", BODY, good],
    ];
    const bodies = new Set<string>();
    for (const [name, team, plugin, body, headers] of cases) {
      const answer = await deliver(team, plugin, body, { ...headers, "x-github-delivery": randomUUID() });
      assert.equal(answer.status, 401, `${name}: ${JSON.stringify(answer.body)}`);
      bodies.add(JSON.stringify(answer.body));
    }
    assert.equal(bodies.size, 1, `one answer for every refusal: ${[...bodies].join(" | ")}`);
    assert.deepEqual(await webhookJobs(teamId), []);
    assert.equal((await adminDb().collection("blobs").get()).size, 0, "no body stored");
    assert.deepEqual(await lease(runnerKey), []);
    // The team sees the refusals for its configured plugins, with why, and no job.
    const seen = await deliveries(owner, teamId, "github");
    assert.deepEqual(seen.map((d) => d.reason).sort(), [
      "BAD_SIGNATURE",
      "BAD_SIGNATURE",
      "MISSING_SIGNATURE",
      "WRONG_ALGORITHM",
    ]);
    assert.ok(seen.every((d) => d.outcome === "refused" && !d.verified && d.jobId === null));
    const [staleSeen] = await deliveries(owner, teamId, "stripe-like");
    assert.equal(staleSeen?.reason, "STALE_TIMESTAMP");
  });

  it("makes one job of one delivery id, retried in turn or at once", async () => {
    const headersFor = (id: string) => ({ "x-hub-signature-256": sign(secret, BODY), "x-github-delivery": id });
    const first = await deliver(teamId, "github", BODY, headersFor("retry-1"));
    const retry = await deliver(teamId, "github", BODY, headersFor("retry-1"));
    assert.equal(first.status, 202);
    assert.equal(retry.status, 200);
    assert.equal(retry.body.duplicate, true);
    assert.equal(retry.body.jobId, first.body.jobId);

    const burst = await Promise.all(
      Array.from({ length: BURST }, () => deliver(teamId, "github", BODY, headersFor("burst-1"))),
    );
    assert.ok(
      burst.every((a) => a.status === 200 || a.status === 202),
      JSON.stringify(burst.map((a) => a.status)),
    );
    assert.equal(burst.filter((a) => a.status === 202).length, 1, "exactly one caller created it");
    assert.equal(new Set(burst.map((a) => a.body.jobId)).size, 1, "every caller got the same job");
    assert.equal((await webhookJobs(teamId)).length, 2);
    assert.equal((await lease(runnerKey)).length, 2);
  });

  it("refuses 1 MiB + 1 byte with 413 and takes exactly 1 MiB", async () => {
    // Not JSON, so not sent as JSON: the platform's parser refuses a JSON body that does not parse.
    const octets = { "content-type": "application/octet-stream" };
    const big = Buffer.alloc(ONE_MIB + 1, 0x61);
    const tooBig = await deliver(teamId, "github", big, { ...octets, "x-hub-signature-256": sign(secret, big) });
    assert.equal(tooBig.status, 413, JSON.stringify(tooBig.body).slice(0, 200));
    assert.deepEqual(await webhookJobs(teamId), []);
    const fits = big.subarray(0, ONE_MIB);
    const taken = await deliver(teamId, "github", fits, { ...octets, "x-hub-signature-256": sign(secret, fits) });
    assert.equal(taken.status, 202, JSON.stringify(taken.body).slice(0, 200));
    const [job] = await lease(runnerKey);
    assert.equal(Buffer.from(job?.payload?.rawBody ?? "", "base64").equals(fits), true);
  });

  it("redelivers a verified delivery as a new job with the same payload, and refuses a refused one", async () => {
    const original = await deliver(teamId, "github", BODY, {
      "x-hub-signature-256": sign(secret, BODY),
      "x-github-delivery": "redeliver-me",
    });
    assert.equal(original.status, 202);
    await deliver(teamId, "github", BODY, { "x-hub-signature-256": "sha256=00" });
    const again = await call<DeliveryView>(
      "POST",
      `/teams/${teamId}/webhooks/github/deliveries/${original.body.id}/redeliver`,
      { token: owner.idToken },
    );
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.body.redeliveryOf, original.body.id);
    assert.ok(again.body.jobId !== null && again.body.jobId !== original.body.jobId);
    const leased = await lease(runnerKey);
    assert.deepEqual(leased.map((j) => j.id).sort(), [original.body.jobId, again.body.jobId].sort());
    assert.deepEqual(leased[0]?.payload, leased[1]?.payload, "same pluginId, headers and body");

    const refusedOne = (await deliveries(owner, teamId, "github")).find((d) => d.outcome === "refused");
    assert.ok(refusedOne !== undefined);
    const refusedAgain = await call("POST", `/teams/${teamId}/webhooks/github/deliveries/${refusedOne.id}/redeliver`, {
      token: owner.idToken,
    });
    assert.equal(refusedAgain.status, 409);
  });
  it("limits verified deliveries per team and minute (429 with Retry-After, nothing stored) and counts webhook jobs as pending jobs", async () => {
    const headersFor = (id: string) => ({ "x-hub-signature-256": sign(secret, BODY), "x-github-delivery": id });
    const quota = (name: string) => adminDb().collection("quotas").doc(`${name}:team:${teamId}`);
    // Per-team overrides, as an operator would set them: 2 deliveries a minute.
    await quota("webhookDeliveries").set({ limit: 2 }, { merge: true });
    // The window is the clock's minute: keep the burst inside one.
    const toNextMinute = 60_000 - (Date.now() % 60_000);
    if (toNextMinute < 10_000) await sleep(toNextMinute + 250);
    const forged = await deliver(teamId, "github", BODY, { "x-hub-signature-256": "sha256=00" });
    assert.equal(forged.status, 401, "a forgery takes no slot");
    const burst = await Promise.all(
      Array.from({ length: BURST }, (_, i) => deliver(teamId, "github", BODY, headersFor(`rate-${i}`))),
    );
    const statuses = burst.map((a) => a.status).sort();
    assert.deepEqual(statuses, [202, 202, 429, 429], JSON.stringify(burst.map((a) => a.body)));
    for (const over of burst.filter((a) => a.status === 429)) {
      const body = over.body as unknown as { error: string; detail: { limit: number; per: string } };
      assert.equal(body.error, "WEBHOOK_RATE_EXCEEDED");
      assert.deepEqual([body.detail.limit, body.detail.per], [2, "team"]);
      const retryAfter = Number(over.headers.get("retry-after"));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    }
    assert.equal((await webhookJobs(teamId)).length, 2, "a refused delivery queued nothing");
    assert.equal((await deliveries(owner, teamId, "github")).filter((d) => d.outcome === "accepted").length, 2);

    // Pending jobs: the team's 2 webhook jobs fill a limit of 2, so the next delivery and a
    // redelivery are refused alike, and a regular job too.
    await quota("webhookDeliveries").set({ limit: 100 }, { merge: true });
    await quota("pendingJobs").set({ limit: 2 }, { merge: true });
    const third = await deliver(teamId, "github", BODY, headersFor("rate-pending"));
    assert.equal(third.status, 429, JSON.stringify(third.body));
    assert.equal((third.body as unknown as { error: string }).error, "PENDING_JOBS_QUOTA_EXCEEDED");
    const accepted = burst.find((a) => a.status === 202);
    assert.ok(accepted !== undefined);
    const again = await call("POST", `/teams/${teamId}/webhooks/github/deliveries/${accepted.body.id}/redeliver`, {
      token: owner.idToken,
    });
    assert.equal(again.status, 429, JSON.stringify(again.body));
    assert.equal((await webhookJobs(teamId)).length, 2, "nothing past the pending-jobs limit");
  });
});
