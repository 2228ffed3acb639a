// The seed 002 jobs API routes, gathered for index.ts.
export { createJob, listJobs, getJob } from "./jobs";
export { streamJob } from "./stream";
export { listQueues, pauseQueue, resumeQueue } from "./queues";
export { downloadJobArtifact } from "./artifacts";
export { cancelJob, pauseJob, resumeJob, messageJob, controlJobChild } from "./controls";
export { rerunPhase } from "./phases";
export {
  leaseRunnerJobs,
  heartbeatRunnerJob,
  appendRunnerLogs,
  uploadRunnerArtifact,
  completeRunnerJob,
  failRunnerJob,
  releaseRunnerJob,
} from "./runner";
export { getIntelligenceFile, putIntelligenceFile, deleteIntelligenceFile } from "./intelligence";
export { getIntelligenceHistory, getIntelligenceLayers, preflightIntelligence } from "./intelligence";
export { getRunnerConfig, putRunnerConfigEndpoint as putRunnerConfig, getClaudeCodeMcps } from "./config";
export {
  listProposalsEndpoint as listProposals,
  getProposal,
  decideProposalEndpoint as decideProposal,
} from "./proposals";
export { listJobInsights, editJobInsight, deleteJobInsight, decideJobInsight } from "./insights";
export { postRunnerInsight, postRunnerProposal } from "./runnerKnowledge";
export { streamIntake } from "./intake";
export { appendRunnerTokens } from "./runner";
export { listPlugins, installPlugin, removePlugin, listPluginModels, healthcheckPlugin } from "./rpc";
export { testGit, testTracker, testLlm } from "./rpc";
