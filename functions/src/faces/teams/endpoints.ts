// Seed 002's cloud control plane for teams, gathered for index.ts.
import { mounted, type Endpoint } from "../../http/route";
import * as jobsApi from "../jobs/endpoints";

export { login, refresh } from "./login";
export { listTeams, createTeam, getTeam, renameTeam, deleteTeam } from "./teams";
export { listMembers, updateMember, removeMember } from "./members";
export { createInvitation, listInvitations, revokeInvitation, acceptInvitation } from "./invitations";
export { createRunnerToken, listRunnerTokens, revokeRunnerToken, listTeamRunners } from "./runners";
export {
  receiveWebhook,
  createWebhook,
  listWebhooks,
  getWebhook,
  updateWebhook,
  deleteWebhook,
  listWebhookDeliveries,
  redeliverWebhook,
} from "./webhooks";

/** `/teams/:teamId/jobs/*`: every jobs API route, the same handler, in the team the path names. */
const inTeam = (endpoint: Endpoint) => mounted("/teams/:teamId", endpoint);

export const teamJobs = {
  listJobs: inTeam(jobsApi.listJobs),
  createJob: inTeam(jobsApi.createJob),
  getJob: inTeam(jobsApi.getJob),
  streamJob: inTeam(jobsApi.streamJob),
  downloadJobArtifact: inTeam(jobsApi.downloadJobArtifact),
  cancelJob: inTeam(jobsApi.cancelJob),
  pauseJob: inTeam(jobsApi.pauseJob),
  resumeJob: inTeam(jobsApi.resumeJob),
  messageJob: inTeam(jobsApi.messageJob),
  controlJobChild: inTeam(jobsApi.controlJobChild),
  rerunPhase: inTeam(jobsApi.rerunPhase),
  leaseRunnerJobs: inTeam(jobsApi.leaseRunnerJobs),
  heartbeatRunnerJob: inTeam(jobsApi.heartbeatRunnerJob),
  appendRunnerLogs: inTeam(jobsApi.appendRunnerLogs),
  uploadRunnerArtifact: inTeam(jobsApi.uploadRunnerArtifact),
  completeRunnerJob: inTeam(jobsApi.completeRunnerJob),
  failRunnerJob: inTeam(jobsApi.failRunnerJob),
  releaseRunnerJob: inTeam(jobsApi.releaseRunnerJob),
};

/** Insights, proposals, intelligence files and runner configuration under `/teams/:teamId`. */
export const teamKnowledge = {
  getIntelligenceFile: inTeam(jobsApi.getIntelligenceFile),
  putIntelligenceFile: inTeam(jobsApi.putIntelligenceFile),
  deleteIntelligenceFile: inTeam(jobsApi.deleteIntelligenceFile),
  getIntelligenceHistory: inTeam(jobsApi.getIntelligenceHistory),
  getIntelligenceLayers: inTeam(jobsApi.getIntelligenceLayers),
  preflightIntelligence: inTeam(jobsApi.preflightIntelligence),
  getRunnerConfig: inTeam(jobsApi.getRunnerConfig),
  putRunnerConfig: inTeam(jobsApi.putRunnerConfig),
  getClaudeCodeMcps: inTeam(jobsApi.getClaudeCodeMcps),
  listProposals: inTeam(jobsApi.listProposals),
  getProposal: inTeam(jobsApi.getProposal),
  decideProposal: inTeam(jobsApi.decideProposal),
  listJobInsights: inTeam(jobsApi.listJobInsights),
  editJobInsight: inTeam(jobsApi.editJobInsight),
  deleteJobInsight: inTeam(jobsApi.deleteJobInsight),
  decideJobInsight: inTeam(jobsApi.decideJobInsight),
  postRunnerInsight: inTeam(jobsApi.postRunnerInsight),
  postRunnerProposal: inTeam(jobsApi.postRunnerProposal),
};

/** The routes a runner answers (intake chat, plugins, diagnostics) under `/teams/:teamId`. */
export const teamRunnerAsks = {
  streamIntake: inTeam(jobsApi.streamIntake),
  appendRunnerTokens: inTeam(jobsApi.appendRunnerTokens),
  listPlugins: inTeam(jobsApi.listPlugins),
  installPlugin: inTeam(jobsApi.installPlugin),
  removePlugin: inTeam(jobsApi.removePlugin),
  listPluginModels: inTeam(jobsApi.listPluginModels),
  healthcheckPlugin: inTeam(jobsApi.healthcheckPlugin),
  testGit: inTeam(jobsApi.testGit),
  testTracker: inTeam(jobsApi.testTracker),
  testLlm: inTeam(jobsApi.testLlm),
};
