import type { RunnerPool } from "../../data/collections";

/** The queue a seed 001 job sits in: the global pool, or one owner's user pool. */
export function workspaceQueue(pool: RunnerPool, teamId: string): string {
  return pool === "global" ? "workspace/global" : `workspace/user:${teamId}`;
}
