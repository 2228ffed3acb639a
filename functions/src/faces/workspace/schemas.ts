import { z } from "zod";
import { idSchema } from "../../http/schemas";

/**
 * Runner job-route bodies ignore fields they do not know (the public runner may send more as it
 * evolves); the fields they do know are checked strictly.
 */
export const workspaceRef = z.object({ workspaceId: idSchema });

/** Complete and fail may name the job (`workspace.jobId` of the lease answer): another job is refused. */
export const endingRef = workspaceRef.extend({ jobId: idSchema.optional() });
