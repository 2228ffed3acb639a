/**
 * Runner ids are chosen by runners, so they are only unique per owner: the document key joins
 * the owner's uid (which never contains `:`) and the runner's id.
 */
export function runnerDocId(teamId: string, runnerId: string): string {
  return `${teamId}:${runnerId}`;
}

/** The runner's own id back from a document key. */
export function runnerIdOf(docId: string): string {
  const at = docId.indexOf(":");
  return at < 0 ? docId : docId.slice(at + 1);
}

/** Whether a runner document key belongs to `teamId`. */
export function isOwnersRunner(teamId: string, docId: string): boolean {
  return docId.startsWith(`${teamId}:`);
}

/** Review tasks queue per owner: only that owner's runners claim them. */
export function reviewQueue(teamId: string): string {
  return `review/user:${teamId}`;
}
