import { Timestamp, type Transaction } from "firebase-admin/firestore";
import type { BlockedBy, GenericJob } from "../../data/genericJobs";
import { InvalidArgument } from "../../http/errors";
import type { JobEndHook, JobEnding } from "../jobs/jobEndHooks";
import { pendingFields } from "../jobs/model";
import { childJobId } from "./model";
import { jobRef } from "./ownedJob";

/*
 * Campaign children may depend on siblings (`dependsOn: [names]`). A child with dependencies
 * waits out of the queue (PAUSED, `waitingOn` non-empty) until each dependency SUCCEEDED or was
 * skipped. The edges are stored both ways (`dependsOn` and `dependents`), so whoever ends a child
 * reads exactly its dependents, by id, in the transaction that ends it: unblocking is part of
 * the ending commit, and nothing polls.
 */

export interface DependencySpec {
  name: string;
  dependsOn?: string[];
}

/** The dependency fields a child is created with. */
export interface ChildDependencies {
  dependsOn: string[];
  dependents: string[];
  waitingOn: string[];
  blockedBy: BlockedBy[];
}

/**
 * Validates the children's dependencies (names exist among the siblings, no cycle, a child does
 * not depend on itself) and answers each child's initial dependency fields, keyed by name.
 * Throws 400 before anything is written.
 */
export function planDependencies(children: readonly DependencySpec[]): Map<string, ChildDependencies> {
  const names = new Set(children.map((c) => c.name));
  const edges = new Map<string, string[]>();
  for (const child of children) {
    const deps = child.dependsOn ?? [];
    for (const dep of deps) {
      if (!names.has(dep)) {
        throw new InvalidArgument(
          "UNKNOWN_DEPENDENCY",
          `Child ${child.name} depends on ${dep}, which is not one of this job's children.`,
          { child: child.name, dependsOn: dep },
        );
      }
    }
    edges.set(child.name, [...new Set(deps)]);
  }
  const cycle = findCycle(
    children.map((c) => c.name),
    edges,
  );
  if (cycle !== null) {
    throw new InvalidArgument("DEPENDENCY_CYCLE", `The children's dependencies form a cycle: ${cycle.join(" → ")}.`, {
      cycle,
    });
  }
  const planned = new Map<string, ChildDependencies>();
  for (const name of names) planned.set(name, { dependsOn: [], dependents: [], waitingOn: [], blockedBy: [] });
  for (const [name, deps] of edges) {
    const own = planned.get(name);
    if (own === undefined) continue;
    own.dependsOn = deps;
    own.waitingOn = [...deps];
    for (const dep of deps) planned.get(dep)?.dependents.push(name);
  }
  return planned;
}

/** A cycle as a path that returns to its start (`[a, b, a]`), or null. Iterative DFS: ≤ 50 nodes anyway. */
export function findCycle(nodes: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, "open" | "done">();
  for (const root of nodes) {
    if (state.has(root)) continue;
    const path: string[] = [];
    const stack: { node: string; next: number }[] = [{ node: root, next: 0 }];
    state.set(root, "open");
    path.push(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top === undefined) break;
      const out = edges.get(top.node) ?? [];
      const dep = out[top.next++];
      if (dep === undefined) {
        state.set(top.node, "done");
        stack.pop();
        path.pop();
        continue;
      }
      const seen = state.get(dep);
      if (seen === "open") return [...path.slice(path.indexOf(dep)), dep];
      if (seen === undefined) {
        state.set(dep, "open");
        path.push(dep);
        stack.push({ node: dep, next: 0 });
      }
    }
  }
  return null;
}

/**
 * Whether a child's end lets its dependents go on: it SUCCEEDED, or a person skipped it (before
 * it ran, or after it failed or was cancelled).
 */
export function satisfies(status: string, outcome: string | null | undefined): boolean {
  return status === "SUCCEEDED" || outcome === "SKIPPED";
}

/**
 * What a dependent's document becomes when its dependency `name` ends: satisfied → it stops
 * waiting on it (and joins the queue when nothing else holds it back); otherwise it stays waiting,
 * blocked, with the reason. Null when the dependent is not waiting on `name` (it already ran).
 */
export function dependentUpdate(
  dependentId: string,
  dependent: GenericJob,
  name: string,
  status: string,
  ending: JobEnding | undefined,
  at: Timestamp,
): Record<string, unknown> | null {
  const waitingOn = dependent.waitingOn ?? [];
  if (!waitingOn.includes(name)) return null;
  const others = (dependent.blockedBy ?? []).filter((b) => b.name !== name);
  if (!satisfies(status, ending?.outcome)) {
    return { blockedBy: [...others, { name, status, error: ending?.error ?? null }], updatedAt: at };
  }
  const still = waitingOn.filter((n) => n !== name);
  const fields: Record<string, unknown> = { waitingOn: still, blockedBy: others, updatedAt: at };
  // Only a child that was waiting for this (PAUSED for its dependencies) is queued; one a person
  // paused meanwhile becomes an ordinary paused job, and a manual child still waits for `start`.
  if (still.length === 0 && dependent.status === "PAUSED" && !dependent.awaitingStart) {
    if (dependent.control.pauseRequested) fields["control.pauseRequested"] = false;
    else Object.assign(fields, pendingFields(dependent, dependentId, at), { enqueuedAt: at });
  }
  return fields;
}

/** Reads a child's siblings by name in `tx` (all reads, before any write). */
async function readSiblings(tx: Transaction, parentId: string, names: readonly string[]) {
  if (names.length === 0) return [];
  const snaps = await tx.getAll(...names.map((n) => jobRef(childJobId(parentId, n))));
  return snaps.map((snap, i) => ({ name: names[i] ?? "", ref: snap.ref, job: snap.data() }));
}

/**
 * Reads a child's dependents in `tx` and answers the writes that move them on once the child
 * settles as `status` / `ending`: its end (the end hook below), or a skip after it had failed.
 */
export async function prepareDependents(
  tx: Transaction,
  child: GenericJob,
): Promise<(status: string, ending?: JobEnding) => void> {
  const dependents = child.dependents ?? [];
  const { parentId, childName } = child;
  if (parentId === null || childName === null || dependents.length === 0) return () => undefined;
  const siblings = await readSiblings(tx, parentId, dependents);
  return (status, ending) => {
    // End hooks are handed no clock; the settling commit is now.
    const at = Timestamp.now();
    for (const s of siblings) {
      if (s.job === undefined) continue;
      const fields = dependentUpdate(s.ref.id, s.job, childName, status, ending, at);
      if (fields === null) continue;
      tx.update(s.ref, fields);
    }
  };
}

/** A child's end, by any path (complete, fail, reaper, cancel, skip, abandon), moves its dependents on. */
export const unblockDependents: JobEndHook = (tx, _jobId, job) => prepareDependents(tx, job as GenericJob);

/**
 * A child that goes back to the queue (its rerun, a phase rerun): its dependents are no longer
 * blocked by its old ending (they keep waiting on it), and it waits itself for whichever of its
 * own dependencies are not, or no longer, satisfied. Reads now; `fields` go into the requeue's own
 * update and `write` updates the dependents.
 */
export async function prepareRequeue(
  tx: Transaction,
  child: GenericJob,
  at: Timestamp,
): Promise<{ fields: Record<string, unknown>; write: () => void }> {
  const { parentId, childName } = child;
  const dependsOn = child.dependsOn ?? [];
  const dependentNames = child.dependents ?? [];
  if (parentId === null || childName === null || (dependsOn.length === 0 && dependentNames.length === 0)) {
    return { fields: {}, write: () => undefined };
  }
  const [deps, dependents] = await Promise.all([
    readSiblings(tx, parentId, dependsOn),
    readSiblings(tx, parentId, dependentNames),
  ]);
  const waitingOn: string[] = [];
  const blockedBy: BlockedBy[] = [];
  for (const d of deps) {
    if (d.job !== undefined && satisfies(d.job.status, d.job.childOutcome)) continue;
    waitingOn.push(d.name);
    if (d.job !== undefined && (d.job.status === "FAILED" || d.job.status === "CANCELLED")) {
      blockedBy.push({ name: d.name, status: d.job.status, error: d.job.error });
    }
  }
  const fields: Record<string, unknown> = { waitingOn, blockedBy };
  if (waitingOn.length > 0) Object.assign(fields, { status: "PAUSED", pendingShard: null });
  return {
    fields,
    write: () => {
      for (const d of dependents) {
        const blocked = d.job?.blockedBy ?? [];
        if (d.job === undefined || !blocked.some((b) => b.name === childName)) continue;
        tx.update(d.ref, { blockedBy: blocked.filter((b) => b.name !== childName), updatedAt: at });
      }
    },
  };
}

/** Whether a job waits for its dependencies (PAUSED until they are done). */
export function isWaitingOnDependencies(job: GenericJob): boolean {
  return (job.waitingOn ?? []).length > 0;
}
