/**
 * Hermetic by construction: the project id is given, so no Google library asks the metadata
 * server (169.254.169.254) or a real project for one, and metadata detection is off. Imported
 * for its effect by the stack (and so by the scripts and the bench) and required by both mocha
 * configs; every emulator and runner process inherits it.
 */
export const HERMETIC_ENV = {
  GCLOUD_PROJECT: "demo-runnerplane",
  GOOGLE_CLOUD_PROJECT: "demo-runnerplane",
  METADATA_SERVER_DETECTION: "none",
} as const;

Object.assign(process.env, HERMETIC_ENV);
