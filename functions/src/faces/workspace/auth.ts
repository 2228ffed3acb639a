/** Seed 001's two callers: Studio users manage instances; runner keys work the job loop. */
export const STUDIO_USER = { accept: ["user"] } as const;
/** Runner instances are a team's machine credentials: admins manage them. */
export const TEAM_ADMIN = { accept: ["user"], role: "admin" } as const;
export const RUNNER_KEY = { accept: ["runner"] } as const;
