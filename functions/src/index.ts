// Every export is a deployed function id: stable API. One line each.
import { https } from "./http/route";
import { getHealth } from "./faces/health/health";
import { createRunnerInstance as createRunnerInstanceEndpoint } from "./faces/workspace/createRunnerInstance";
import { revokeRunnerInstance as revokeRunnerInstanceEndpoint } from "./faces/workspace/revokeRunnerInstance";
import { updateRunnerInstance as updateRunnerInstanceEndpoint } from "./faces/workspace/updateRunnerInstance";
import { createApiKey, listApiKeys, listRunnerInstances, revokeApiKey } from "./faces/platform/apiKeys";

export const health = https({}, getHealth);

// Seed 001: instance management (Firebase ID token).
export const createRunnerInstance = https({}, createRunnerInstanceEndpoint);
export const revokeRunnerInstance = https({}, revokeRunnerInstanceEndpoint);
export const updateRunnerInstance = https({}, updateRunnerInstanceEndpoint);

// Studio: scoped API keys and the credential listings.
export const apiKeys = https({}, listApiKeys, createApiKey);
export const apiKey = https({}, revokeApiKey);
export const runnerInstances = https({}, listRunnerInstances);
