/** Routes about the caller rather than a team (`/teams`, accepting an invitation): any signed-in user. */
export const SIGNED_IN = { accept: ["user"], team: "personal" } as const;
/** A team's routes: its members; the least role is `viewer` for reads and `member` for writes. */
export const TEAM_MEMBER = { accept: ["user"] } as const;
/** Leaving is open to every role; removing someone else is checked by the operation (admin). */
export const TEAM_ANY_ROLE = { accept: ["user"], role: "viewer" } as const;
export const TEAM_ADMIN = { accept: ["user"], role: "admin" } as const;
export const TEAM_OWNER = { accept: ["user"], role: "owner" } as const;
/** The runner inventory: members, or a key of the team with `runners:read`. */
export const TEAM_RUNNERS_READ = { accept: ["user", "apiKey"], scope: "runners:read" } as const;
