import { randomUUID } from "node:crypto";
import { deployments, definitions, type DeploymentDoc } from "../../data/code";
import { jobs } from "../../data/jobs";
import { pendingJobsOfTenant } from "../../data/quotas";
import { Conflict, NotFound } from "../../http/errors";
import { assertUnderQuota, runGuardedTransaction } from "../quotas/guardCount";
import { QUOTAS } from "../quotas/quotas";
import { executionJobDoc, type ExecutionTrigger } from "./executionJob";

/**
 * Finds what `/api/execution/run/onetime/{id}` names: a deployment id, or a definition id
 * standing for its active deployment (Control Plane holds both).
 */
async function runnableDeployment(
  tenantId: string,
  id: string,
): Promise<{ deploymentId: string; deployment: DeploymentDoc }> {
  let deploymentId = id;
  let deployment = (await deployments().doc(id).get()).data();
  if (deployment === undefined) {
    const definition = (await definitions().doc(id).get()).data();
    if (definition !== undefined && definition.tenantId === tenantId && definition.activeDeploymentId !== null) {
      deploymentId = definition.activeDeploymentId;
      deployment = (await deployments().doc(deploymentId).get()).data();
    }
  }
  if (deployment === undefined || deployment.tenantId !== tenantId)
    throw new NotFound("DEPLOYMENT_NOT_FOUND", "No such deployment.");
  if (deployment.status !== "active") {
    throw new Conflict(
      "DEPLOYMENT_SUPERSEDED",
      `Deployment ${deploymentId} was superseded by a newer deploy of its definition; run that one.`,
    );
  }
  return { deploymentId, deployment };
}

/** Queues one execution of a deployment on the tenant's execution queue. */
export async function runDeployment(
  tenantId: string,
  userId: string,
  id: string,
  inputJson: string,
  trigger: ExecutionTrigger,
  now: Date,
): Promise<{ executionId: string; deploymentId: string }> {
  const { deploymentId, deployment } = await runnableDeployment(tenantId, id);
  const executionId = randomUUID();
  const job = executionJobDoc(
    executionId,
    deploymentId,
    deployment,
    { inputJson, trigger, slot: null, requestedBy: userId },
    now,
  );
  await runGuardedTransaction(QUOTAS.pendingJobs, `tenant:${tenantId}`, async (tx) => {
    await assertUnderQuota(tx, {
      quota: QUOTAS.pendingJobs,
      scope: `tenant:${tenantId}`,
      per: "Coderunner tenant",
      counted: pendingJobsOfTenant(tenantId),
      adding: 1,
      serialise: "count",
    });
    tx.create(jobs().doc(executionId), job);
  });
  return { executionId, deploymentId };
}
