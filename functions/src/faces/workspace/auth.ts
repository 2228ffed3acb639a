/** Seed 001's two callers: Studio users manage instances; runner keys work the job loop. */
export const STUDIO_USER = { accept: ["user"] } as const;
export const RUNNER_KEY = { accept: ["runner"] } as const;
