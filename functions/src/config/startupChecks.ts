/**
 * Configuration problems said once per instance, at cold start, before the first request is
 * served: a deployment that would accept less-than-fully-checked tokens says so in its logs
 * (and every affected call is refused with the same words).
 */
import * as logger from "firebase-functions/logger";
import { onInit } from "firebase-functions/v2/core";
import { controlPlaneConfigProblem } from "../auth/controlPlane";

onInit(() => {
  const problem = controlPlaneConfigProblem();
  if (problem !== null) logger.error(`Control Plane tokens are refused until this is fixed: ${problem}`);
});
