import type { Timestamp } from "firebase-admin/firestore";
import type { GenericJob } from "../../data/genericJobs";
import { artifactsOf, type ArtifactDoc } from "../../data/jobArtifacts";
import { db } from "../../data/firestore";
import { childJobId, MAX_ARTIFACTS_PER_JOB, paramsOf, runnerIdOf, typeOf, workflowPathOf } from "./model";
import { jobRef, readOwnedJob } from "./ownedJob";
import type { JobArtifact } from "../../../../contract/src/jobs";

function iso(at: Timestamp | null | undefined): string | null {
  return at === null || at === undefined ? null : at.toDate().toISOString();
}

/** What a list shows per job: no params, result, children or artifacts. */
export function jobSummary(id: string, job: GenericJob) {
  return {
    id,
    type: typeOf(job),
    workflowPath: workflowPathOf(job),
    status: job.status,
    tags: job.tags,
    priority: job.priority,
    attempts: job.attempts,
    parentId: job.parentId ?? null,
    childName: job.childName ?? null,
    error: job.error,
    createdAt: iso(job.createdAt),
    updatedAt: iso(job.updatedAt),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
  };
}

export function artifactView(jobId: string, id: string, artifact: ArtifactDoc): JobArtifact {
  return {
    id,
    name: artifact.name,
    contentType: artifact.blob.contentType,
    size: artifact.blob.size,
    sha256: artifact.blob.sha256,
    uploadedBy: artifact.uploadedBy,
    createdAt: iso(artifact.createdAt),
    contentUrl: `/jobs/${jobId}/artifacts/${id}/content`,
  };
}

/** The full snapshot: status, attempts, lease holder, timestamps, controls, children, artifacts, result, error. */
export async function readJobSnapshot(teamId: string, jobId: string) {
  const { job } = await readOwnedJob(teamId, jobId);
  return snapshotOf(jobId, job);
}

export async function snapshotOf(jobId: string, job: GenericJob) {
  const childNames = job.childNames ?? [];
  const [childSnaps, artifactSnap] = await Promise.all([
    childNames.length === 0
      ? Promise.resolve([])
      : db().getAll(...childNames.map((name) => jobRef(childJobId(jobId, name)))),
    artifactsOf(jobId, MAX_ARTIFACTS_PER_JOB).get(),
  ]);
  const children = childNames.map((name, i) => {
    const snap = childSnaps[i];
    const child = snap?.data() as GenericJob | undefined;
    return {
      name,
      jobId: childJobId(jobId, name),
      status: child?.status ?? null,
      awaitingStart: child?.awaitingStart ?? false,
      outcome: child?.childOutcome ?? null,
      reruns: child?.reruns ?? 0,
      dependsOn: child?.dependsOn ?? [],
      waitingOn: child?.waitingOn ?? [],
      blockedBy: child?.blockedBy ?? [],
    };
  });
  return {
    ...jobSummary(jobId, job),
    params: paramsOf(job),
    maxAttempts: job.maxAttempts,
    concurrencyKey: job.concurrencyKey ?? null,
    concurrencyLimit: job.concurrencyLimit ?? null,
    lease:
      job.lease === null
        ? null
        : {
            runnerId: runnerIdOf(job.lease.holder),
            leasedAt: iso(job.lease.leasedAt),
            expiresAt: iso(job.lease.expiresAt),
          },
    control: job.control,
    awaitingStart: job.awaitingStart ?? false,
    childOutcome: job.childOutcome ?? null,
    reruns: job.reruns ?? 0,
    idempotencyKey: job.idempotencyKey ?? null,
    logSeq: job.logSeq ?? 0,
    messages: { posted: job.messageSeq ?? 0, delivered: job.messageDeliveredSeq ?? 0 },
    children,
    ...dependencyView(job),
    ...phaseView(job),
    artifacts: artifactSnap.docs.map((d) => artifactView(jobId, d.id, d.data())),
    result: job.result,
    enqueuedAt: iso(job.enqueuedAt),
  };
}

/**
 * A campaign child's dependencies: `waitingOn` what it still waits for (it is PAUSED until that is
 * empty); `blockedBy` the dependencies that ended without succeeding, and how (it waits until they
 * are rerun or skipped).
 */
function dependencyView(job: GenericJob) {
  return { dependsOn: job.dependsOn ?? [], waitingOn: job.waitingOn ?? [], blockedBy: job.blockedBy ?? [] };
}

/** What the runner reported (phase list, current phase) and the phase reruns asked for. */
function phaseView(job: GenericJob) {
  return {
    phases: job.phases ?? [],
    phase: job.phase ?? null,
    startPhase: job.startPhase ?? null,
    rerunPhase: job.rerunPhase ?? null,
  };
}
