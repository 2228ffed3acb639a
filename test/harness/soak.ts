/**
 * A soak on loopback: runners lease, work, crash or fail at random; Studio readers poll; the
 * reaper sweeps. Bounded in duration and request count. Ends with an audit of every job.
 * Used by the short soak in `npm test` and by `npm run soak` (the long form).
 */
import type { JobDoc } from "../../functions/src/core/jobs/model";
import { settledWorkspace } from "../../functions/src/core/workspaces/workspaceState";
import type { WorkspaceDoc } from "../../functions/src/data/workspaces";
import { createInstance, queuedWorkspace } from "./fixtures";
import { adminDb, call, createUser } from "./stack";

export interface SoakOptions {
  runners: number;
  readers: number;
  jobs: number;
  durationMs: number;
  /** Hard cap on HTTP requests by the simulated clients. */
  maxRequests: number;
  /** How often the reaper is fired (the test stack's scheduler is off). */
  reapEveryMs: number;
  fireReaper: () => Promise<void>;
  /** Probability a runner dies holding a job (it simply walks away). */
  crashRate?: number;
  failRate?: number;
}

export interface SoakReport {
  requests: number;
  non2xxReads: number;
  serverErrors: number;
  completedAcks: Map<string, string>;
  durationMs: number;
  problems: string[];
  finalStates: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const deadline = started + o.durationMs;
  const user = await createUser();
  const workspaces: { workspaceId: string; jobId: string }[] = [];
  for (let i = 0; i < o.jobs; i += 8) {
    workspaces.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(8, o.jobs - i) }, (_, k) => queuedWorkspace(user, "user", `soak ${i + k}`)),
      )),
    );
  }
  const runners = await Promise.all(Array.from({ length: o.runners }, () => createInstance(user)));
  const report: SoakReport = {
    requests: 0,
    non2xxReads: 0,
    serverErrors: 0,
    completedAcks: new Map(),
    durationMs: 0,
    problems: [],
    finalStates: {},
  };
  let drained = false;
  const budget = () => !drained && report.requests < o.maxRequests && Date.now() < deadline;
  const counted = async <T>(p: Promise<{ status: number; body: T }>) => {
    report.requests += 1;
    const r = await p;
    if (r.status >= 500) report.serverErrors += 1;
    return r;
  };
  const allFinal = async () => {
    const jobs = await adminDb().collection("jobs").where("kind", "==", "workspace").get();
    return jobs.docs.every((d) => ["SUCCEEDED", "FAILED"].includes(String(d.get("status"))));
  };

  const runnerLoop = async (token: string, instanceId: string) => {
    while (budget()) {
      const leased = await counted(
        call<{ leased: boolean; workspaceId?: string }>("POST", "/leaseWorkspaceJob", { token, body: {} }),
      );
      const workspaceId = leased.body.workspaceId;
      if (!leased.body.leased || workspaceId === undefined) {
        await sleep(300);
        continue;
      }
      await counted(call("POST", "/getWorkspaceRunnerContext", { token, body: { workspaceId } }));
      await counted(call("POST", "/heartbeatWorkspaceJob", { token, body: { workspaceId } }));
      const roll = Math.random();
      if (roll < (o.crashRate ?? 0.1)) continue; // dies holding the lease
      if (roll < (o.crashRate ?? 0.1) + (o.failRate ?? 0.05)) {
        await counted(call("POST", "/failWorkspaceJob", { token, body: { workspaceId, error: "soak failure" } }));
        continue;
      }
      const done = await counted(
        call<{ ok: boolean }>("POST", "/completeWorkspaceJob", {
          token,
          body: {
            workspaceId,
            assistantMessage: `done by ${instanceId}`,
            files: [],
            charts: [],
            datasets: [],
            lists: [{ id: "l", kind: "list", items: ["x"] }],
            checklists: [],
            svgs: [],
          },
        }),
      );
      if (done.status === 200) {
        if (report.completedAcks.has(workspaceId)) report.problems.push(`workspace ${workspaceId} acknowledged twice`);
        report.completedAcks.set(workspaceId, instanceId);
      }
    }
  };
  const readerLoop = async () => {
    while (budget()) {
      const pick = workspaces[Math.floor(Math.random() * workspaces.length)];
      const r = await counted(
        call("GET", pick === undefined ? "/api/workspaces" : `/api/workspaces/${pick.workspaceId}`, {
          token: user.idToken,
        }),
      );
      if (r.status !== 200) report.non2xxReads += 1;
      await sleep(200);
    }
  };
  const reaperLoop = async () => {
    while (budget()) {
      await sleep(o.reapEveryMs);
      await o.fireReaper();
      if (await allFinal()) drained = true;
    }
  };
  await Promise.all([
    ...runners.map((r) => runnerLoop(r.runnerToken, r.instanceId)),
    ...Array.from({ length: o.readers }, readerLoop),
    reaperLoop(),
  ]);
  report.durationMs = Date.now() - started;
  await audit(workspaces, report);
  return report;
}

/** Every job in exactly one final state, with a history that agrees with itself. */
async function audit(workspaces: { workspaceId: string; jobId: string }[], report: SoakReport): Promise<void> {
  for (const { workspaceId, jobId } of workspaces) {
    const job = (await adminDb().collection("jobs").doc(jobId).get()).data() as JobDoc | undefined;
    const ws = adminDb().collection("workspaces").doc(workspaceId);
    const stored = (await ws.get()).data() as WorkspaceDoc | undefined;
    // A completion leaves the workspace for its readers to settle with the job (workspaceState.ts).
    const wsDoc = stored === undefined ? undefined : settledWorkspace(stored, job);
    const replies = await ws.collection("messages").where("role", "==", "assistant").get();
    const status = String(job?.status);
    report.finalStates[status] = (report.finalStates[status] ?? 0) + 1;
    const say = (what: string) => report.problems.push(`job ${jobId}: ${what}`);
    if (job === undefined) {
      say("missing");
      continue;
    }
    if (status !== "SUCCEEDED" && status !== "FAILED") say(`not final: ${status}`);
    if (job.lease !== null || job.leaseExpiresAt !== null || job.pendingShard !== null)
      say("final job still carries a lease or queue entry");
    if (job.attempts > job.maxAttempts) say(`attempts ${job.attempts} > maxAttempts ${job.maxAttempts}`);
    if (wsDoc?.activeJobId !== null) say("workspace still points at an active job");
    if (wsDoc?.lastJobStatus !== status) say(`workspace says ${String(wsDoc?.lastJobStatus)}, job says ${status}`);
    const expectedReplies = status === "SUCCEEDED" ? 1 : 0;
    if (replies.size !== expectedReplies) say(`${replies.size} assistant replies for a ${status} job`);
    const acked = report.completedAcks.get(workspaceId);
    if (status === "SUCCEEDED" && acked === undefined) say("succeeded without any runner being told so");
    if (status === "SUCCEEDED" && acked !== undefined && job.finishedBy !== acked)
      say(`finished by ${String(job.finishedBy)}, acknowledged to ${acked}`);
    if (status === "FAILED" && acked !== undefined) say("failed, yet a runner was told it completed");
    if (job.finishedAt === null || (job.startedAt !== null && job.finishedAt.toMillis() < job.startedAt.toMillis()))
      say("finishedAt missing or before startedAt");
  }
}
