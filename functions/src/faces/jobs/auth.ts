import type { ApiKeyPrincipal, UserPrincipal } from "../../auth/authenticate";

/** Seed 002's callers: a signed-in user, or an API key of theirs with the matching scope. */
export const JOBS_READ = { accept: ["user", "apiKey"], scope: "jobs:read" } as const;
export const JOBS_WRITE = { accept: ["user", "apiKey"], scope: "jobs:write" } as const;
/**
 * Pausing a whole queue stops every runner of the team: a team admin signed in (like managing
 * runners), or an API key with `jobs:write` (automation, such as a deploy freeze).
 */
export const QUEUE_ADMIN = { accept: ["user", "apiKey"], scope: "jobs:write", role: "admin" } as const;
/** Runner side: an API key with `runners:write`, as `Authorization: Bearer` or `x-api-key`. */
export const JOBS_RUNNER = { accept: ["apiKey"], scope: "runners:write", apiKeyHeader: true } as const;

/** Who did it, for records such as a message's sender: a uid or a key's credential id. */
export function actorOf(principal: UserPrincipal | ApiKeyPrincipal): string {
  return principal.kind === "user" ? principal.uid : `apiKey:${principal.credentialId}`;
}
