/** Queues built straight through firebase-admin, in the shapes the shipped code writes. */
import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../functions/src/data/firestore";
import { jobs } from "../../functions/src/data/jobs";
import { workspaces, type WorkspaceDoc } from "../../functions/src/data/workspaces";
import { newJobDoc } from "../../functions/src/core/jobs/newJob";
import type { JobDoc } from "../../functions/src/core/jobs/model";

/** Firestore's cap on writes in one batch. */
const BATCH_WRITES = 500;
/** Seeding stays well inside a 2-core machine's budget even for the biggest queue we build. */
export const MAX_SEEDED_JOBS = 10_000;

export interface SeedOptions {
  /** Queue name, e.g. `workspace/user:<uid>`. */
  queue: string;
  ownerUid: string;
  count: number;
  /** Lease length stored on each job (what a claim would otherwise read from params). */
  leaseMs: number;
  /**
   * Also write the seed 001 workspace each job belongs to (`activeJobId` pointing at it), as
   * `POST /api/workspaces/:id/generate` leaves them: the HTTP lease answer reads it.
   */
  withWorkspaces: boolean;
  /** Extra fields per job (review tasks' own fields). */
  extra?: () => Record<string, unknown>;
  kind?: JobDoc["kind"];
  payload?: Record<string, unknown>;
}

/**
 * Writes `count` PENDING jobs, oldest first by one millisecond each so the queue order is
 * total and the head is well defined. Returns their ids in queue order.
 */
export async function seedQueue(options: SeedOptions): Promise<string[]> {
  if (options.count < 0 || options.count > MAX_SEEDED_JOBS) throw new Error(`seed count ${options.count} out of range`);
  const ids: string[] = [];
  const start = Date.now() - options.count;
  let batch = db().batch();
  let inBatch = 0;
  for (let i = 0; i < options.count; i++) {
    const jobRef = jobs().doc();
    const wsRef = workspaces().doc();
    const at = new Date(start + i);
    const job = newJobDoc(
      jobRef.id,
      {
        kind: options.kind ?? "workspace",
        queue: options.queue,
        // Bench users act alone: their personal team's id is their uid.
        teamId: options.ownerUid,
        ownerUid: options.ownerUid,
        workspaceId: options.withWorkspaces ? wsRef.id : null,
        payload: options.payload ?? { target: "user" },
        leaseMs: options.leaseMs,
      },
      at,
    );
    batch.create(jobRef, { ...job, ...options.extra?.() });
    inBatch++;
    if (options.withWorkspaces) {
      batch.create(wsRef, workspaceFor(options.ownerUid, jobRef.id, i, at));
      inBatch++;
    }
    ids.push(jobRef.id);
    if (inBatch >= BATCH_WRITES - 1) {
      await batch.commit();
      batch = db().batch();
      inBatch = 0;
    }
  }
  if (inBatch > 0) await batch.commit();
  return ids;
}

function workspaceFor(ownerUid: string, jobId: string, index: number, at: Date): WorkspaceDoc {
  const stamp = Timestamp.fromDate(at);
  return {
    teamId: ownerUid,
    ownerUid,
    title: `bench workspace ${index}`,
    idea: "Benchmark the lease path.",
    messageCount: 1,
    messageSeq: 1,
    activeJobId: jobId,
    lastJobId: jobId,
    lastJobStatus: "PENDING",
    priorSummary: null,
    createdAt: stamp,
    updatedAt: stamp,
  };
}
