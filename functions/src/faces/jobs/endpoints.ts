// The seed 002 jobs API routes, gathered for index.ts.
export { createJob, listJobs, getJob } from "./jobs";
export { streamJob } from "./stream";
export { downloadJobArtifact } from "./artifacts";
export { cancelJob, pauseJob, resumeJob, messageJob, controlJobChild } from "./controls";
export {
  leaseRunnerJobs,
  heartbeatRunnerJob,
  appendRunnerLogs,
  uploadRunnerArtifact,
  completeRunnerJob,
  failRunnerJob,
  releaseRunnerJob,
} from "./runner";
