import { Timestamp } from "firebase-admin/firestore";
import { workspacesOfTeam } from "../../data/quotas";
import { workspaces, type WorkspaceDoc } from "../../data/workspaces";
import { assertUnderQuota, runGuardedTransaction } from "../quotas/guardCount";
import { QUOTAS } from "../quotas/quotas";
import type { Owner } from "../teams/owner";

export async function createWorkspace(owner: Owner, input: { title: string; idea?: string }, now: Date) {
  const at = Timestamp.fromDate(now);
  const doc: WorkspaceDoc = {
    teamId: owner.teamId,
    ownerUid: owner.uid,
    title: input.title,
    idea: input.idea ?? null,
    messageCount: 0,
    messageSeq: 0,
    activeJobId: null,
    lastJobId: null,
    lastJobStatus: null,
    priorSummary: null,
    createdAt: at,
    updatedAt: at,
  };
  const ref = workspaces().doc();
  await runGuardedTransaction(QUOTAS.workspaces, `team:${owner.teamId}`, async (tx) => {
    await assertUnderQuota(tx, {
      quota: QUOTAS.workspaces,
      scope: `team:${owner.teamId}`,
      per: "team",
      counted: workspacesOfTeam(owner.teamId),
      adding: 1,
      serialise: "lock",
    });
    tx.create(ref, doc);
  });
  return { id: ref.id, doc };
}
