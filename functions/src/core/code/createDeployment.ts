import { randomUUID } from "node:crypto";
import { Timestamp, type DocumentReference } from "firebase-admin/firestore";
import {
  definitions,
  deployments,
  versions,
  type AppDoc,
  type DeploymentConfiguration,
  type DeploymentDoc,
  type VersionDoc,
} from "../../data/code";
import { db } from "../../data/firestore";
import { Conflict, InvalidArgument, NotFound } from "../../http/errors";
import { firstSlotAfter } from "./cronSlots";
import {
  checkCron,
  CPU_MAX_MILLIS,
  CPU_MIN_MILLIS,
  DEFAULT_CPU,
  DEFAULT_MEMORY,
  MEMORY_MAX_MIB,
  MEMORY_MIN_MIB,
  parseCpu,
  parseMemory,
} from "./deploymentConfig";
import { DEPLOYMENT_TYPES, nameOf, VERSION_STATUSES, type DeploymentType } from "./model";
import { ownedDefinition } from "./owned";

export interface DeploymentRequest {
  definitionId: string;
  versionId: string;
  cpu?: string;
  memory?: string;
  cronExpression?: string | null;
}

/** Checks `Configuration` against the definition's deployment type; 400 with the field at fault. */
export function resolveConfiguration(
  deploymentType: DeploymentType,
  request: DeploymentRequest,
  now: Date,
): DeploymentConfiguration {
  const cpu = request.cpu ?? DEFAULT_CPU;
  const memory = request.memory ?? DEFAULT_MEMORY;
  const cpuMillis = parseCpu(cpu);
  if (cpuMillis === null) {
    throw new InvalidArgument(
      "INVALID_CONFIGURATION",
      `Configuration.Cpu must look like 250m or 1, between ${CPU_MIN_MILLIS}m and ${CPU_MAX_MILLIS}m.`,
    );
  }
  const memoryMiB = parseMemory(memory);
  if (memoryMiB === null) {
    throw new InvalidArgument(
      "INVALID_CONFIGURATION",
      `Configuration.Memory must look like 256Mi or 1Gi, between ${MEMORY_MIN_MIB}Mi and ${MEMORY_MAX_MIB}Mi.`,
    );
  }
  const rawCron = request.cronExpression?.trim() ?? "";
  const scheduled = deploymentType === DEPLOYMENT_TYPES.ScheduleJob;
  if (scheduled && rawCron.length === 0) {
    throw new InvalidArgument(
      "CRON_REQUIRED",
      "Configuration.CronExpression is required for a ScheduleJob (deploymentType 3).",
    );
  }
  if (!scheduled && rawCron.length > 0) {
    throw new InvalidArgument(
      "CRON_NOT_ALLOWED",
      `Configuration.CronExpression applies only to ScheduleJob (deploymentType 3); this definition is ${nameOf(DEPLOYMENT_TYPES, deploymentType)}.`,
    );
  }
  let cronExpression: string | null = null;
  if (scheduled) {
    const cron = checkCron(rawCron, now);
    if (!cron.ok) throw new InvalidArgument("INVALID_CRON", cron.reason);
    cronExpression = cron.expression;
  }
  return { cpu, memory, cronExpression, cpuMillis, memoryMiB };
}

/**
 * `POST /api/deployment/create`. One active deployment per definition: a new deploy supersedes
 * the previous one (which stops running and stops firing) in the same transaction that records
 * the new one on its version, so `DELETE /api/version` sees every deployment that uses it.
 */
export async function createDeployment(
  tenantId: string,
  userId: string,
  request: DeploymentRequest,
  now: Date,
  appRef?: DocumentReference<AppDoc>,
): Promise<{ deploymentId: string; deployment: DeploymentDoc }> {
  const { doc: definition } = await ownedDefinition(tenantId, request.definitionId);
  const configuration = resolveConfiguration(definition.deploymentType, request, now);
  const deploymentId = randomUUID();
  const definitionRef = definitions().doc(request.definitionId);
  const versionRef = versions().doc(request.versionId);
  return db().runTransaction(async (tx) => {
    const [definitionSnap, versionSnap] = await Promise.all([tx.get(definitionRef), tx.get(versionRef)]);
    const current = definitionSnap.data();
    const version = versionSnap.data();
    if (current === undefined) throw new NotFound("DEFINITION_NOT_FOUND", "No such definition.");
    if (version === undefined || version.tenantId !== tenantId || version.definitionId !== request.definitionId) {
      throw new NotFound("VERSION_NOT_FOUND", "No such version of this definition.");
    }
    if (version.status !== VERSION_STATUSES.Completed || version.entryPoint === null) {
      const why = version.failureReason === null ? "" : ` (${version.failureReason})`;
      throw new Conflict(
        "VERSION_NOT_READY",
        `Version ${request.versionId} is ${nameOf(VERSION_STATUSES, version.status)}${why}; only a Completed (3) version can be deployed.`,
        { status: version.status },
      );
    }
    const previousId = current.activeDeploymentId;
    const previousRef = previousId === null ? null : deployments().doc(previousId);
    const previous = previousRef === null ? undefined : (await tx.get(previousRef)).data();
    const previousVersionRef =
      previous !== undefined && previous.versionId !== request.versionId ? versions().doc(previous.versionId) : null;
    const previousVersion = previousVersionRef === null ? undefined : (await tx.get(previousVersionRef)).data();

    const at = Timestamp.fromDate(now);
    const deployment: DeploymentDoc = {
      tenantId,
      definitionId: request.definitionId,
      versionId: request.versionId,
      deploymentType: current.deploymentType,
      languageType: current.languageType,
      bundle: version.bundle,
      entryPoint: version.entryPoint,
      configuration,
      status: "active",
      nextFireAt:
        configuration.cronExpression === null
          ? null
          : Timestamp.fromDate(firstSlotAfter(configuration.cronExpression, now)),
      lastFiredSlot: null,
      createdBy: userId,
      createdAt: at,
      updatedAt: at,
    };
    if (previousRef !== null && previous !== undefined) {
      tx.update(previousRef, { status: "superseded", nextFireAt: null, updatedAt: at });
    }
    if (previousVersionRef !== null && previousVersion !== undefined) {
      tx.update(previousVersionRef, { deploymentIds: without(previousVersion, previousId), updatedAt: at });
    }
    tx.update(versionRef, { deploymentIds: [...without(version, previousId), deploymentId], updatedAt: at });
    tx.update(definitionRef, { activeDeploymentId: deploymentId, updatedAt: at });
    tx.create(deployments().doc(deploymentId), deployment);
    if (appRef !== undefined) tx.update(appRef, { deploymentId, updatedAt: at });
    return { deploymentId, deployment };
  });
}

function without(version: VersionDoc, deploymentId: string | null): string[] {
  return version.deploymentIds.filter((id) => id !== deploymentId);
}
