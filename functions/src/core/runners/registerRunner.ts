import { Timestamp } from "firebase-admin/firestore";
import { runnersOfTeam } from "../../data/quotas";
import { runnerSeqCounter, runners, type RunnerDoc } from "../../data/runners";
import { assertUnderQuota, runGuardedTransaction } from "../quotas/guardCount";
import { QUOTAS } from "../quotas/quotas";
import { runnerDocId } from "./ids";
import { counted } from "./readRunners";
import type { CountedRunner } from "./runnerViews";

export interface Registration {
  runnerId: string;
  name: string;
  version: string;
  os: string;
  arch: string;
  tags: string[];
  maxConcurrency: number;
}

/**
 * Upsert: a new runner gets its seed 003 integer id from the counter in the same transaction
 * that creates it; a known one keeps its id and history and has its metadata replaced. Either
 * way it is online from now on.
 */
export async function registerRunner(
  owner: { teamId: string; ownerUid: string; credentialId: string },
  registration: Registration,
  now: Date,
): Promise<CountedRunner> {
  const ref = runners().doc(runnerDocId(owner.teamId, registration.runnerId));
  const at = Timestamp.fromDate(now);
  const fields = {
    credentialId: owner.credentialId,
    name: registration.name,
    version: registration.version,
    os: registration.os,
    arch: registration.arch,
    tags: registration.tags,
    maxConcurrency: registration.maxConcurrency,
    status: "online" as const,
    // A (re)starting runner runs nothing yet; its next heartbeat says otherwise.
    reportedJobs: 0,
    lastHeartbeatAt: at,
    offlineAt: null,
    updatedAt: at,
  };
  // First registrations all meet on the counter document: retried with short pauses.
  const runner = await runGuardedTransaction(QUOTAS.runners, `team:${owner.teamId}`, async (tx) => {
    const existing = (await tx.get(ref)).data();
    if (existing !== undefined) {
      tx.update(ref, fields);
      return { runner: { ...existing, ...fields }, isNew: false };
    }
    // Only first registrations meet on the counter; re-registrations never read it.
    const counter = runnerSeqCounter();
    const seq = ((await tx.get(counter)).data()?.value ?? 0) + 1;
    await assertUnderQuota(tx, {
      quota: QUOTAS.runners,
      scope: `team:${owner.teamId}`,
      per: "team",
      counted: runnersOfTeam(owner.teamId),
      adding: 1,
      serialise: "lock",
    });
    const doc: RunnerDoc = {
      teamId: owner.teamId,
      ownerUid: owner.ownerUid,
      runnerId: registration.runnerId,
      seq,
      ...fields,
      createdAt: at,
    };
    tx.set(counter, { value: seq });
    tx.create(ref, doc);
    return { runner: doc, isNew: true };
  });
  // A runner registered again may still hold tasks from before its restart; a new one holds none.
  return runner.isNew ? { ...runner.runner, heldJobs: 0 } : counted(owner.teamId, runner.runner);
}
