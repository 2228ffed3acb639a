import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The version of the package this runner came from: runner/package.json beside src/ in a
 * checkout, beside dist/ once packed.
 */
export const PACKAGE_VERSION = (
  JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string }
).version;

/** Reported as `x-runner-version`. */
export const RUNNER_VERSION = `runnerplane-runner/${PACKAGE_VERSION}`;
