import type { DocumentReference } from "firebase-admin/firestore";
import {
  appDocId,
  apps,
  definitions,
  deployments,
  versions,
  type AppDoc,
  type DefinitionDoc,
  type DeploymentDoc,
  type VersionDoc,
} from "../../data/code";
import { jobs } from "../../data/jobs";
import { NotFound } from "../../http/errors";
import type { JobDoc } from "../jobs/model";

/**
 * Reads scoped to the caller's tenant. Another tenant's id answers exactly like a missing one
 * (404), so ids are never confirmed across tenants.
 */
interface Owned<T> {
  ref: DocumentReference<T>;
  doc: T;
}

async function owned<T extends { tenantId: string | null }>(
  ref: DocumentReference<T>,
  tenantId: string,
  what: string,
  reason: string,
): Promise<Owned<T>> {
  const doc = (await ref.get()).data();
  if (doc === undefined || doc.tenantId !== tenantId) throw new NotFound(reason, `No such ${what}.`);
  return { ref, doc };
}

export function ownedDefinition(tenantId: string, id: string): Promise<Owned<DefinitionDoc>> {
  return owned(definitions().doc(id), tenantId, "definition", "DEFINITION_NOT_FOUND");
}

export function ownedVersion(tenantId: string, id: string): Promise<Owned<VersionDoc>> {
  return owned(versions().doc(id), tenantId, "version", "VERSION_NOT_FOUND");
}

export function ownedDeployment(tenantId: string, id: string): Promise<Owned<DeploymentDoc>> {
  return owned(deployments().doc(id), tenantId, "deployment", "DEPLOYMENT_NOT_FOUND");
}

export async function ownedExecution(tenantId: string, id: string): Promise<Owned<JobDoc>> {
  const found = await owned(jobs().doc(id), tenantId, "execution", "EXECUTION_NOT_FOUND");
  if (found.doc.kind !== "execution") throw new NotFound("EXECUTION_NOT_FOUND", "No such execution.");
  return found;
}

/** The proxy's app: 404 until `…/definition` has made it. */
export async function ownedApp(tenantId: string, slug: string): Promise<Owned<AppDoc>> {
  const ref = apps().doc(appDocId(tenantId, slug));
  const doc = (await ref.get()).data();
  if (doc === undefined)
    throw new NotFound(
      "APP_NOT_FOUND",
      `App ${slug} has no Coderunner definition yet; create it with …/coderunner/definition.`,
    );
  return { ref, doc };
}
