// Every export is a deployed function id: stable API. One line each (grouped by face).
import "./core/workspaces/endHook";
import { https } from "./http/route";
import { getHealth } from "./faces/health/health";
import * as ws from "./faces/workspace/endpoints";
import * as studio from "./faces/workspace/studio";
import * as keys from "./faces/platform/apiKeys";

export const health = https({}, getHealth);

// Seed 001: instance management (Firebase ID token) and the runner job loop (runner key).
export const createRunnerInstance = https({}, ws.createRunnerInstance);
export const revokeRunnerInstance = https({}, ws.revokeRunnerInstance);
export const updateRunnerInstance = https({}, ws.updateRunnerInstance);
export const leaseWorkspaceJob = https({}, ws.leaseWorkspaceJob);
export const heartbeatWorkspaceJob = https({}, ws.heartbeatWorkspaceJob);
export const getWorkspaceRunnerContext = https({}, ws.getWorkspaceRunnerContext);
export const updateWorkspaceRunnerSummary = https({}, ws.updateWorkspaceRunnerSummary);
export const completeWorkspaceJob = https({ memory: "512MiB" }, ws.completeWorkspaceJob);
export const failWorkspaceJob = https({}, ws.failWorkspaceJob);

// Studio: workspaces (seed 001's Studio side).
export const workspaces = https({}, studio.listWorkspaces, studio.createWorkspace);
export const workspace = https({}, studio.getWorkspace);
export const workspaceMessages = https({}, studio.postWorkspaceMessage);
export const workspaceGenerate = https({}, studio.queueWorkspaceGeneration);
export const workspaceFile = https({}, studio.downloadWorkspaceFile);

// Studio: scoped API keys and credential listings.
export const apiKeys = https({}, keys.listApiKeys, keys.createApiKey);
export const apiKey = https({}, keys.revokeApiKey);
export const runnerInstances = https({}, keys.listRunnerInstances);

// Scheduled sweeps.
export { reapExpiredLeases } from "./scheduled/reapExpiredLeases";
