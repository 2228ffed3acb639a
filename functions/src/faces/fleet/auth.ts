import type { ApiKeyPrincipal, UserPrincipal } from "../../auth/authenticate";

/** Runner calls: an API key with `runners:write`, as `Authorization: Bearer` or `x-api-key`. */
export const RUNNER_KEY = { accept: ["apiKey"], scope: "runners:write", apiKeyHeader: true } as const;
/** Reading runners: a signed-in user, or a key with `runners:read`. */
export const FLEET_READ = { accept: ["user", "apiKey"], scope: "runners:read", apiKeyHeader: true } as const;
/** Deregistering: the runner's key (`runners:write`) or its owner signed in. */
export const FLEET_MANAGE = { accept: ["user", "apiKey"], scope: "runners:write", apiKeyHeader: true } as const;
/** Queueing review tasks: a signed-in user, or a key with `jobs:write`. */
export const TASK_QUEUE = { accept: ["user", "apiKey"], scope: "jobs:write", apiKeyHeader: true } as const;

/** Whose runners and tasks the caller sees: a user's own, or the key owner's. */
export function ownerOf(principal: UserPrincipal | ApiKeyPrincipal): string {
  return principal.kind === "user" ? principal.uid : principal.ownerUid;
}
