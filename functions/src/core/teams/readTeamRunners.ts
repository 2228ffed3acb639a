import { ownedJobsPage } from "../../data/genericJobs";
import { teamCredentials } from "../../data/credentials";
import { heldJobsOf } from "../../data/runners";
import { runnerDocId } from "../runners/ids";
import type { JobDoc } from "../jobs/model";
import { HELD_STATUSES } from "../jobs/model";
import { queueOf, runnerIdOf } from "../jobsApi/model";
import { listRunnersByHeartbeat } from "../runners/readRunners";
import { workspaceQueue } from "../workspaces/workspaceQueue";

/** A workspace runner instance used within this long counts as online (it heartbeats every 2 minutes). */
export const INSTANCE_ONLINE_MS = 5 * 60 * 1000;
/** Held jobs read per queue for the inventory. */
const MAX_HELD_READ = 500;
/** Runner instances listed. */
const MAX_INSTANCES = 200;

export type Face = "fleet" | "jobs" | "workspace";
export interface RunnerEntry {
  face: Face;
  /** The runner's own id: fleet runner id, jobs-API `runnerId`, or seed 001 instance id. */
  runnerId: string;
  name: string;
  status: "online" | "busy" | "offline";
  lastHeartbeatAt: string | null;
  /** Ids of the jobs it holds now. */
  currentJobs: string[];
  labels: string[];
  version: string | null;
}

/**
 * The team's connection inventory across faces: fleet runners (their registrations), jobs-API
 * runners (known only from the leases they hold: a runner that holds nothing leaves no trace), and
 * seed 001 runner instances (credentials; last use stands for the last heartbeat).
 */
export async function readTeamRunners(teamId: string, now: Date): Promise<RunnerEntry[]> {
  const [fleet, jobsHeld, workspaceHeld, instances] = await Promise.all([
    listRunnersByHeartbeat(teamId),
    heldJobs(queueOf(teamId)),
    heldJobs(workspaceQueue("user", teamId)),
    teamCredentials(teamId, "runner").limit(MAX_INSTANCES).get(),
  ]);
  const fleetHeld = await Promise.all(
    fleet.map(async (r) =>
      r.heldJobs > 0
        ? (await heldJobsOf(runnerDocId(teamId, r.runnerId), MAX_HELD_READ).get()).docs.map((d) => d.id)
        : [],
    ),
  );
  const entries: RunnerEntry[] = fleet.map((r, i) => ({
    face: "fleet",
    runnerId: r.runnerId,
    name: r.name,
    status: r.status,
    lastHeartbeatAt: r.lastHeartbeatAt?.toDate().toISOString() ?? null,
    currentJobs: fleetHeld[i] ?? [],
    labels: r.tags,
    version: r.version,
  }));
  for (const [holder, held] of byHolder(jobsHeld)) {
    // A lease is extended by each heartbeat: its start of validity is the last heartbeat.
    const last = Math.max(...held.map((j) => (j.doc.lease?.expiresAt.toMillis() ?? 0) - j.doc.leaseMs));
    entries.push({
      face: "jobs",
      runnerId: runnerIdOf(holder),
      name: runnerIdOf(holder),
      status: "busy",
      lastHeartbeatAt: new Date(last).toISOString(),
      currentJobs: held.map((j) => j.id),
      labels: [],
      version: null,
    });
  }
  const workspaceByHolder = byHolder(workspaceHeld);
  for (const snap of instances.docs) {
    const doc = snap.data();
    if (doc.revokedAt !== null || doc.instanceId === undefined) continue;
    const held = workspaceByHolder.get(doc.instanceId) ?? [];
    const lastUsed = doc.lastUsedAt?.toMillis() ?? null;
    const status =
      held.length > 0
        ? "busy"
        : lastUsed !== null && now.getTime() - lastUsed < INSTANCE_ONLINE_MS
          ? "online"
          : "offline";
    entries.push({
      face: "workspace",
      runnerId: doc.instanceId,
      name: doc.name,
      status,
      lastHeartbeatAt: lastUsed === null ? null : new Date(lastUsed).toISOString(),
      currentJobs: held.map((j) => j.id),
      labels: [doc.pool ?? "user"],
      version: null,
    });
  }
  return entries;
}

async function heldJobs(queue: string): Promise<{ id: string; doc: JobDoc }[]> {
  const snap = await ownedJobsPage({ queue, statuses: HELD_STATUSES }, null, MAX_HELD_READ).get();
  return snap.docs.map((d) => ({ id: d.id, doc: d.data() }));
}

function byHolder(held: { id: string; doc: JobDoc }[]): Map<string, { id: string; doc: JobDoc }[]> {
  const map = new Map<string, { id: string; doc: JobDoc }[]>();
  for (const job of held) {
    const holder = job.doc.lease?.holder;
    if (holder === undefined) continue;
    map.set(holder, [...(map.get(holder) ?? []), job]);
  }
  return map;
}
