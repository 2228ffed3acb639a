// The seed 001 routes, gathered for index.ts.
export { createRunnerInstance } from "./createRunnerInstance";
export { revokeRunnerInstance } from "./revokeRunnerInstance";
export { updateRunnerInstance } from "./updateRunnerInstance";
export { leaseWorkspaceJob } from "./leaseWorkspaceJob";
export { heartbeatWorkspaceJob } from "./heartbeatWorkspaceJob";
export { getWorkspaceRunnerContext } from "./getWorkspaceRunnerContext";
export { updateWorkspaceRunnerSummary } from "./updateWorkspaceRunnerSummary";
export { completeWorkspaceJob } from "./completeWorkspaceJob";
export { failWorkspaceJob } from "./failWorkspaceJob";
