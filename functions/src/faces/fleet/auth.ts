/** Runner calls: an API key with `runners:write`, as `Authorization: Bearer` or `x-api-key`. */
export const RUNNER_KEY = { accept: ["apiKey"], scope: "runners:write", apiKeyHeader: true } as const;
/** Reading runners: a signed-in user, or a key with `runners:read`. */
export const FLEET_READ = { accept: ["user", "apiKey"], scope: "runners:read", apiKeyHeader: true } as const;
/** Deregistering: the runner's key (`runners:write`) or an admin of its team signed in. */
export const FLEET_MANAGE = {
  accept: ["user", "apiKey"],
  scope: "runners:write",
  apiKeyHeader: true,
  role: "admin",
} as const;
/** Queueing review tasks: a signed-in user, or a key with `jobs:write`. */
export const TASK_QUEUE = { accept: ["user", "apiKey"], scope: "jobs:write", apiKeyHeader: true } as const;
