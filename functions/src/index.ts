// Every export is a deployed function id: stable API. One line each (grouped by face).
// Global options first: they apply to functions defined after them.
import {
  DOWNLOAD,
  LARGE_BODY,
  LONG_POLL,
  STREAM,
  UPLOAD,
  WEBHOOK_ADMIN,
  WEBHOOK_INGRESS,
} from "./config/runtimeOptions";
import "./config/startupChecks";
import { https } from "./http/route";
import type * as HealthFace from "./faces/health/health";
import type * as WsFace from "./faces/workspace/endpoints";
import type * as StudioFace from "./faces/workspace/studio";
import type * as KeysFace from "./faces/platform/apiKeys";
import type * as JobsFace from "./faces/jobs/endpoints";
import type * as FleetFace from "./faces/fleet/endpoints";
import type * as RunnersReadFace from "./faces/runnersRead/endpoints";
import type * as MetricsFace from "./faces/runnersRead/metrics";
import type * as CodeFace from "./faces/coderunner/endpoints";
import type * as TeamsFace from "./faces/teams/endpoints";

/**
 * A face's module, required on the first request to a function that serves it (https() calls
 * the endpoint list lazily): each instance and emulator worker runs one function and so loads
 * one face, not all of them. Type-only imports above keep the names checked.
 */
function face<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}
// The one place modules are required by name at run time; everything else imports.
/* eslint-disable @typescript-eslint/no-require-imports */
const healthFace = face(() => require("./faces/health/health") as typeof HealthFace);
const ws = face(() => require("./faces/workspace/endpoints") as typeof WsFace);
const studio = face(() => require("./faces/workspace/studio") as typeof StudioFace);
const keys = face(() => require("./faces/platform/apiKeys") as typeof KeysFace);
const jobsApi = face(() => require("./faces/jobs/endpoints") as typeof JobsFace);
const fleet = face(() => require("./faces/fleet/endpoints") as typeof FleetFace);
const runnersRead = face(() => require("./faces/runnersRead/endpoints") as typeof RunnersReadFace);
const metricsFace = face(() => require("./faces/runnersRead/metrics") as typeof MetricsFace);
const code = face(() => require("./faces/coderunner/endpoints") as typeof CodeFace);
const teams = face(() => require("./faces/teams/endpoints") as typeof TeamsFace);
/* eslint-enable @typescript-eslint/no-require-imports */

export const health = https({}, () => [healthFace().getHealth]);

// Seed 001: instance management (Firebase ID token) and the runner job loop (runner key).
export const createRunnerInstance = https({}, () => [ws().createRunnerInstance]);
export const revokeRunnerInstance = https({}, () => [ws().revokeRunnerInstance]);
export const updateRunnerInstance = https({}, () => [ws().updateRunnerInstance]);
export const leaseWorkspaceJob = https(LONG_POLL, () => [ws().leaseWorkspaceJob]);
export const heartbeatWorkspaceJob = https({}, () => [ws().heartbeatWorkspaceJob]);
export const getWorkspaceRunnerContext = https({}, () => [ws().getWorkspaceRunnerContext]);
export const updateWorkspaceRunnerSummary = https({}, () => [ws().updateWorkspaceRunnerSummary]);
export const completeWorkspaceJob = https(LARGE_BODY, () => [ws().completeWorkspaceJob]);
export const failWorkspaceJob = https({}, () => [ws().failWorkspaceJob]);

// Studio: workspaces (seed 001's Studio side).
export const workspaces = https({}, () => [studio().listWorkspaces, studio().createWorkspace]);
export const workspace = https({}, () => [studio().getWorkspace]);
export const workspaceMessages = https({}, () => [studio().postWorkspaceMessage]);
export const workspaceGenerate = https({}, () => [studio().queueWorkspaceGeneration]);
export const workspaceFile = https(DOWNLOAD, () => [studio().downloadWorkspaceFile]);

// Studio: scoped API keys and credential listings.
export const apiKeys = https({}, () => [keys().listApiKeys, keys().createApiKey]);
export const apiKey = https({}, () => [keys().revokeApiKey]);
export const runnerInstances = https({}, () => [keys().listRunnerInstances]);

// Seed 002: the jobs API (ID token or jobs:read / jobs:write key) and its runner side (runners:write key).
export const jobs = https({}, () => [jobsApi().listJobs, jobsApi().createJob]);
export const job = https({}, () => [jobsApi().getJob]);
export const jobStream = https(STREAM, () => [jobsApi().streamJob]);
export const jobArtifactContent = https(DOWNLOAD, () => [jobsApi().downloadJobArtifact]);
export const jobCancel = https({}, () => [jobsApi().cancelJob]);
export const jobPause = https({}, () => [jobsApi().pauseJob]);
export const jobResume = https({}, () => [jobsApi().resumeJob]);
export const jobMessage = https({}, () => [jobsApi().messageJob]);
export const jobChildControl = https({}, () => [jobsApi().controlJobChild]);
export const jobsRunnerLease = https(LONG_POLL, () => [jobsApi().leaseRunnerJobs]);
export const jobRunnerHeartbeat = https({}, () => [jobsApi().heartbeatRunnerJob]);
export const jobRunnerLogs = https({}, () => [jobsApi().appendRunnerLogs]);
export const jobRunnerArtifacts = https(LARGE_BODY, () => [jobsApi().uploadRunnerArtifact]);
export const jobRunnerComplete = https({}, () => [jobsApi().completeRunnerJob]);
export const jobRunnerFail = https({}, () => [jobsApi().failRunnerJob]);
export const jobRunnerRelease = https({}, () => [jobsApi().releaseRunnerJob]);
// Queue dispatch state: `GET /queues`, `POST /queues/:queue/pause|resume` (docs/scheduling.md).
export const queues = https({}, () => [jobsApi().listQueues, jobsApi().pauseQueue, jobsApi().resumeQueue]);

// Seed 002's cloud control plane: login (public), teams, members, invitations, runner tokens, inventory (ID token).
export const authLogin = https({}, () => [teams().login]);
export const authRefresh = https({}, () => [teams().refresh]);
export const teamsRoot = https({}, () => [teams().listTeams, teams().createTeam]);
export const team = https({}, () => [teams().getTeam, teams().renameTeam, teams().deleteTeam]);
export const teamMembers = https({}, () => [teams().listMembers]);
export const teamMember = https({}, () => [teams().updateMember, teams().removeMember]);
export const teamInvitations = https({}, () => [teams().listInvitations, teams().createInvitation]);
export const teamInvitation = https({}, () => [teams().revokeInvitation]);
export const teamInvitationAccept = https({}, () => [teams().acceptInvitation]);
export const teamRunnerTokens = https({}, () => [teams().listRunnerTokens, teams().createRunnerToken]);
export const teamRunnerToken = https({}, () => [teams().revokeRunnerToken]);
export const teamRunners = https({}, () => [teams().listTeamRunners]);

// Seed 002's webhook ingress (public: its signature is its authentication) and its team-admin routes (ID token).
export const webhookIngress = https(WEBHOOK_INGRESS, () => [teams().receiveWebhook]);
export const teamWebhooks = https(WEBHOOK_ADMIN, () => [teams().listWebhooks, teams().createWebhook]);
export const teamWebhook = https(WEBHOOK_ADMIN, () => [
  teams().getWebhook,
  teams().updateWebhook,
  teams().deleteWebhook,
]);
export const teamWebhookDeliveries = https({}, () => [teams().listWebhookDeliveries]);
export const teamWebhookRedeliver = https({}, () => [teams().redeliverWebhook]);

// Seed 002: /teams/:teamId/jobs/*, the jobs API in the team the path names (same handlers as /jobs).
export const teamJobs = https({}, () => [teams().teamJobs.listJobs, teams().teamJobs.createJob]);
export const teamJob = https({}, () => [teams().teamJobs.getJob]);
export const teamJobStream = https({ timeoutSeconds: 90 }, () => [teams().teamJobs.streamJob]);
export const teamJobArtifactContent = https({ memory: "512MiB" }, () => [teams().teamJobs.downloadJobArtifact]);
export const teamJobCancel = https({}, () => [teams().teamJobs.cancelJob]);
export const teamJobPause = https({}, () => [teams().teamJobs.pauseJob]);
export const teamJobResume = https({}, () => [teams().teamJobs.resumeJob]);
export const teamJobMessage = https({}, () => [teams().teamJobs.messageJob]);
export const teamJobChildControl = https({}, () => [teams().teamJobs.controlJobChild]);
// One function for both mounts (team pattern first: a root pattern also matches a team path's tail).
export const jobPhaseRerun = https({}, () => [teams().teamJobs.rerunPhase, jobsApi().rerunPhase]);
export const teamJobsRunnerLease = https({}, () => [teams().teamJobs.leaseRunnerJobs]);
export const teamJobRunnerHeartbeat = https({}, () => [teams().teamJobs.heartbeatRunnerJob]);
export const teamJobRunnerLogs = https({}, () => [teams().teamJobs.appendRunnerLogs]);
export const teamJobRunnerArtifacts = https({ memory: "512MiB" }, () => [teams().teamJobs.uploadRunnerArtifact]);
export const teamJobRunnerComplete = https({}, () => [teams().teamJobs.completeRunnerJob]);
export const teamJobRunnerFail = https({}, () => [teams().teamJobs.failRunnerJob]);
export const teamJobRunnerRelease = https({}, () => [teams().teamJobs.releaseRunnerJob]);

// Seed 002: insights, proposals, intelligence files, runner configuration. Each function serves
// its root paths and the same under /teams/:teamId (team endpoints first: a root pattern also
// matches the tail of a team path), so the emulator runs six workers for these, not thirty-six.
const tk = () => teams().teamKnowledge;
export const jobRunnerInsights = https({}, () => [tk().postRunnerInsight, jobsApi().postRunnerInsight]);
export const jobRunnerProposals = https({}, () => [tk().postRunnerProposal, jobsApi().postRunnerProposal]);
export const jobInsights = https({}, () => [
  ...[tk().listJobInsights, tk().editJobInsight, tk().deleteJobInsight, tk().decideJobInsight],
  ...[jobsApi().listJobInsights, jobsApi().editJobInsight, jobsApi().deleteJobInsight, jobsApi().decideJobInsight],
]);
export const proposals = https({}, () => [
  ...[tk().listProposals, tk().getProposal, tk().decideProposal],
  ...[jobsApi().listProposals, jobsApi().getProposal, jobsApi().decideProposal],
]);
export const intelligence = https({}, () => [
  ...[tk().getIntelligenceFile, tk().putIntelligenceFile, tk().deleteIntelligenceFile],
  ...[tk().getIntelligenceHistory, tk().getIntelligenceLayers, tk().preflightIntelligence],
  ...[jobsApi().getIntelligenceFile, jobsApi().putIntelligenceFile, jobsApi().deleteIntelligenceFile],
  ...[jobsApi().getIntelligenceHistory, jobsApi().getIntelligenceLayers, jobsApi().preflightIntelligence],
]);
export const runnerConfig = https({}, () => [
  ...[tk().getRunnerConfig, tk().putRunnerConfig, tk().getClaudeCodeMcps],
  ...[jobsApi().getRunnerConfig, jobsApi().putRunnerConfig, jobsApi().getClaudeCodeMcps],
]);

// Seed 002: the routes a runner answers (intake chat, plugins, diagnostics), root and under
// /teams/:teamId (team endpoints first). A runner offering what each needs answers it as a job.
const ra = () => teams().teamRunnerAsks;
export const intakeStream = https(STREAM, () => [ra().streamIntake, jobsApi().streamIntake]);
export const jobRunnerTokens = https({}, () => [ra().appendRunnerTokens, jobsApi().appendRunnerTokens]);
export const plugins = https(LONG_POLL, () => [
  ...[ra().listPlugins, ra().installPlugin, ra().removePlugin, ra().listPluginModels, ra().healthcheckPlugin],
  ...[jobsApi().listPlugins, jobsApi().installPlugin, jobsApi().removePlugin, jobsApi().listPluginModels],
  jobsApi().healthcheckPlugin,
]);
export const runnerTests = https(LONG_POLL, () => [
  ...[ra().testGit, ra().testTracker, ra().testLlm],
  ...[jobsApi().testGit, jobsApi().testTracker, jobsApi().testLlm],
]);

// Seed 004: the runner fleet under /api/runners (runners:write key; reads also ID token or runners:read key).
export const fleetRunners = https({}, () => [fleet().listRunners]);
export const fleetRunner = https({}, () => [fleet().getRunner, fleet().deregisterRunner]);
export const fleetRegisterRunner = https({}, () => [fleet().registerRunner]);
export const fleetRunnerHeartbeat = https({}, () => [fleet().heartbeat]);
export const fleetTasks = https({}, () => [fleet().queueTask]);
export const fleetPendingTasks = https(LONG_POLL, () => [fleet().claimTasks]);
export const fleetTaskStatus = https({}, () => [fleet().updateTaskStatus]);
export const fleetTaskLogs = https({}, () => [fleet().appendLogs]);
export const fleetTaskResult = https({}, () => [fleet().submitResult]);

// Seed 003: the runners read API under /runners (runners:read key or ID token).
export const readRunners = https({}, () => [runnersRead().listRunners]);
export const readAvailableRunners = https({}, () => [runnersRead().listAvailable]);
export const readRunner = https({}, () => [runnersRead().getRunner]);
export const readRunnerPods = https({}, () => [runnersRead().listPods]);

// Issue 20: queue and fleet metrics for Prometheus, the Studio's Overview and autoscalers (runners:read key or ID token).
export const metrics = https({}, () => [metricsFace().getMetrics]);

// Seed 000: Coderunner (Control Plane JWT), its proxy paths, and its runner side (tenant runner key).
export const coderunnerDefinitions = https({}, () => [code().createDefinition]);
export const coderunnerUpload = https(UPLOAD, () => [code().uploadFile]);
export const coderunnerVersions = https({}, () => [code().listVersions]);
export const coderunnerVersion = https({}, () => [code().getVersion, code().deleteVersion]);
export const coderunnerDeploy = https({}, () => [code().createDeployment]);
export const coderunnerDeployment = https({}, () => [code().getDeployment]);
export const coderunnerInvoke = https({}, () => [code().invokeDeployment]);
export const coderunnerRunOnetime = https({}, () => [code().runOnetime]);
export const coderunnerExecution = https({}, () => [code().getExecution]);
export const coderunnerRunnerKeys = https({}, () => [code().mintRunnerKey]);
export const coderunnerRunnerKey = https({}, () => [code().revokeRunnerKey]);
export const coderunnerOverview = https({}, () => [code().readCodeOverview]);
export const coderunnerLeaseExecutions = https(LONG_POLL, () => [code().leaseExecutions]);
export const coderunnerExecutionHeartbeat = https({}, () => [code().heartbeatExecution]);
export const coderunnerExecutionBundle = https(DOWNLOAD, () => [code().downloadExecutionBundle]);
export const coderunnerExecutionComplete = https({}, () => [code().completeExecution]);
export const coderunnerExecutionFail = https({}, () => [code().failExecution]);
export const coderunnerProxyDefinition = https({}, () => [code().proxyDefinition]);
export const coderunnerProxyUpload = https(UPLOAD, () => [code().proxyUpload]);
export const coderunnerProxyVersions = https({}, () => [code().proxyVersions]);
export const coderunnerProxyVersion = https({}, () => [code().proxyGetVersion, code().proxyDeleteVersion]);
export const coderunnerProxyDeploy = https({}, () => [code().proxyDeploy]);
export const coderunnerProxyRun = https({}, () => [code().proxyRun]);

// Scheduled sweeps.
export { reapExpiredLeases } from "./scheduled/reapExpiredLeases";
export { reapStaleRunners } from "./scheduled/reapStaleRunners";
export { fireCronDeployments } from "./scheduled/fireCronDeployments";
export { recoverCodeVersions } from "./scheduled/recoverCodeVersions";
export { sweepOrphanedBlobs } from "./scheduled/sweepOrphanedBlobs";
