import { Timestamp } from "firebase-admin/firestore";
import type { GenericJob } from "../../data/genericJobs";
import { db } from "../../data/firestore";
import { assert, InvalidArgument, NotFound } from "../../http/errors";
import { prepareRequeue } from "./dependencies";
import { isFinal, isHeld } from "./model";
import { jobRef, ownedInTransaction } from "./ownedJob";
import { rerunFields } from "./planControl";
import { snapshotOf } from "./readJob";

/*
 * Phases: a runner reports, in its heartbeats, the job's phase list and the phase it is in; the
 * snapshot shows them. A person may ask to rerun a phase: the holder learns it in its heartbeat
 * answer; an ended job is queued again, and its next lease says which phase to start at.
 */

/** What a heartbeat may report about phases (validated by the contract's heartbeat schema). */
export interface PhaseReport {
  phases?: string[];
  phase?: string;
  /** The newest phase-rerun request (`seq`) the runner acted on. */
  ackedRerunSeq?: number;
}

/**
 * The job fields a heartbeat's phase report writes, and the pending rerun request to answer.
 * A `phase` must be one of the reported or stored phases (400 UNKNOWN_PHASE otherwise); an
 * acknowledged rerun request is cleared, one not yet acknowledged is answered again.
 */
export function phaseBeat(
  job: GenericJob,
  report: PhaseReport,
): { fields: Record<string, unknown>; rerunPhase: { phase: string; seq: number } | null } {
  const fields: Record<string, unknown> = {};
  const phases = report.phases ?? job.phases ?? [];
  if (report.phases !== undefined) fields.phases = report.phases;
  if (report.phase !== undefined) {
    assert(
      phases.includes(report.phase),
      new InvalidArgument("UNKNOWN_PHASE", `Phase ${report.phase} is not one of the job's phases; send phases first.`, {
        phase: report.phase,
        phases,
      }),
    );
    fields.phase = report.phase;
  }
  let rerunPhase = job.rerunPhase ?? null;
  if (rerunPhase !== null && report.ackedRerunSeq !== undefined && report.ackedRerunSeq >= rerunPhase.seq) {
    rerunPhase = null;
    fields.rerunPhase = null;
  }
  return { fields, rerunPhase };
}

/**
 * `POST /jobs/:jobId/phases/:phase/rerun`. The phase must be one the runner reported (404
 * PHASE_NOT_FOUND otherwise). Held job: the request is stored and repeated in the holder's
 * heartbeat answers until acknowledged (a newer request replaces it). Ended job: queued again as a
 * fresh run (like a child's rerun) that starts at the phase. Waiting in the queue: its next run
 * starts at the phase. Answers the snapshot.
 */
export async function rerunJobPhase(teamId: string, jobId: string, phase: string, now: Date) {
  const ref = jobRef(jobId);
  const at = Timestamp.fromDate(now);
  await db().runTransaction(async (tx) => {
    const job = await ownedInTransaction(tx, teamId, jobId);
    assert((job.phases ?? []).includes(phase), new NotFound("PHASE_NOT_FOUND", `The job has no phase named ${phase}.`));
    if (isHeld(job.status)) {
      const seq = (job.rerunPhaseSeq ?? 0) + 1;
      tx.update(ref, { rerunPhase: { phase, seq }, rerunPhaseSeq: seq, updatedAt: at });
      return;
    }
    if (!isFinal(job.status)) {
      tx.update(ref, { startPhase: phase, updatedAt: at });
      return;
    }
    // A campaign child's dependencies take part, as in its rerun (dependencies.ts).
    const requeue = await prepareRequeue(tx, job, at);
    const fields: Record<string, unknown> = { ...rerunFields(jobId, job, at), startPhase: phase, ...requeue.fields };
    tx.update(ref, fields);
    requeue.write();
  });
  const job = (await ref.get()).data();
  if (job === undefined) throw new NotFound("JOB_NOT_FOUND", "No such job.");
  return snapshotOf(jobId, job);
}
