import { Timestamp, type QueryDocumentSnapshot, type DocumentSnapshot } from "firebase-admin/firestore";
import * as logger from "firebase-functions/logger";
import { dueDeployments, type DeploymentDoc } from "../../data/code";
import { db } from "../../data/firestore";
import { jobs } from "../../data/jobs";
import { isLostRace } from "../jobs/claimJobs";
import { planSlots } from "./cronSlots";
import { executionJobDoc, slotExecutionId } from "./executionJob";

/** Most due deployments one sweep handles; the next sweep takes the rest. */
export const CRON_BATCH = 100;
/** Re-reads after a lost compare-and-set before leaving a deployment to the next sweep. */
export const CRON_CAS_ATTEMPTS = 3;
/** Scheduled runs carry an empty payload. */
const SCHEDULED_INPUT_JSON = "{}";

export interface CronSweepResult {
  /** Executions enqueued. */
  fired: number;
  /** Deployments another sweep had already advanced (or that changed under us). */
  lostRaces: number;
}

/**
 * One bounded sweep: each ScheduleJob deployment with a due slot gets one execution per slot.
 *
 * Exactly once per slot, even with sweeps racing: the slots are computed from the deployment's
 * `lastFiredSlot` as read, and committed in one batch that (a) moves `lastFiredSlot` forward only
 * if the deployment is unchanged since that read (`lastUpdateTime` precondition: a
 * compare-and-set) and (b) `create()`s each execution under an id derived from deployment and
 * slot. A racing sweep fails (a) or (b), its whole batch is rejected, and on re-reading it finds
 * nothing left to fire.
 */
export async function fireCronDeployments(now: Date, batch = CRON_BATCH): Promise<CronSweepResult> {
  const result: CronSweepResult = { fired: 0, lostRaces: 0 };
  const due = await dueDeployments(Timestamp.fromDate(now), batch).get();
  for (const snap of due.docs) {
    const outcome = await fireDeployment(snap, now);
    result.fired += outcome.fired;
    result.lostRaces += outcome.lostRaces;
  }
  return result;
}

async function fireDeployment(first: QueryDocumentSnapshot<DeploymentDoc>, now: Date): Promise<CronSweepResult> {
  let snap: DocumentSnapshot<DeploymentDoc> = first;
  let lostRaces = 0;
  for (let attempt = 0; attempt < CRON_CAS_ATTEMPTS; attempt++) {
    const deployment = snap.data();
    const cron = deployment?.configuration.cronExpression ?? null;
    if (deployment === undefined || snap.updateTime === undefined || cron === null || deployment.status !== "active")
      return { fired: 0, lostRaces };
    if (deployment.nextFireAt === null || deployment.nextFireAt.toMillis() > now.getTime())
      return { fired: 0, lostRaces };

    const plan = planSlots(cron, (deployment.lastFiredSlot ?? deployment.createdAt).toDate(), now);
    if (plan.skippedOlder)
      logger.warn("cron slots older than the catch-up window were skipped", { deploymentId: snap.id });
    const last = plan.slots.at(-1);
    // A slot whose execution exists already fired; creating only the missing ones keeps one
    // stray execution (say, after a manual rewind of lastFiredSlot) from failing every batch.
    const refs = plan.slots.map((slot) => ({ slot, ref: jobs().doc(slotExecutionId(snap.id, slot)) }));
    const existing = refs.length === 0 ? [] : await db().getAll(...refs.map((r) => r.ref));
    const missing = refs.filter((_, i) => existing[i]?.exists !== true);
    const write = db().batch();
    write.update(
      snap.ref,
      {
        ...(last === undefined ? {} : { lastFiredSlot: Timestamp.fromDate(last) }),
        nextFireAt: Timestamp.fromDate(plan.next),
        updatedAt: Timestamp.fromDate(now),
      },
      { lastUpdateTime: snap.updateTime },
    );
    for (const { slot, ref } of missing) {
      write.create(
        ref,
        executionJobDoc(
          ref.id,
          snap.id,
          deployment,
          { inputJson: SCHEDULED_INPUT_JSON, trigger: "schedule", slot, requestedBy: null },
          now,
        ),
      );
    }
    try {
      await write.commit();
      return { fired: missing.length, lostRaces };
    } catch (error) {
      if (!isLostRace(error) && !alreadyExists(error)) throw error;
      lostRaces += 1;
      snap = await snap.ref.get();
    }
  }
  return { fired: 0, lostRaces };
}

function alreadyExists(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 6 || code === "already-exists";
}
