import type { ApiKeyPrincipal, RunnerPrincipal, UserPrincipal } from "../../auth/authenticate";

/** Who a new record belongs to (the team) and who made it (a uid, kept for the record's history). */
export interface Owner {
  teamId: string;
  uid: string;
}

/**
 * The owner of what `principal` creates: its team, and the user (for a key, the user who minted
 * it). What a member created stays with the team when they leave.
 */
export function ownerFor(principal: UserPrincipal | ApiKeyPrincipal | RunnerPrincipal): Owner {
  return { teamId: principal.teamId, uid: principal.kind === "user" ? principal.uid : principal.ownerUid };
}
