import { randomUUID } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { appDocId, apps, definitions, type DefinitionDoc } from "../../data/code";
import { db } from "../../data/firestore";
import { Conflict } from "../../http/errors";
import type { DeploymentType, LanguageType } from "./model";

export interface DefinitionInput {
  name: string;
  description: string;
  deploymentType: DeploymentType;
  languageType: LanguageType;
}

function newDefinitionDoc(tenantId: string, userId: string, input: DefinitionInput, now: Date): DefinitionDoc {
  const at = Timestamp.fromDate(now);
  return {
    tenantId,
    ...input,
    versionCount: 0,
    activeDeploymentId: null,
    createdBy: userId,
    createdAt: at,
    updatedAt: at,
  };
}

/** `POST /api/definitions`: ids are UUIDs, as the seed shows. */
export async function createDefinition(
  tenantId: string,
  userId: string,
  input: DefinitionInput,
  now: Date,
): Promise<string> {
  const id = randomUUID();
  await definitions()
    .doc(id)
    .create(newDefinitionDoc(tenantId, userId, input, now));
  return id;
}

/**
 * Control Plane proxy `…/apps/{slug}/coderunner/definition`: one definition per app, recorded in
 * `apps/{tenant}~{slug}` in the same transaction, so two racing calls cannot both make one.
 */
export async function createAppDefinition(
  tenantId: string,
  userId: string,
  slug: string,
  input: DefinitionInput,
  now: Date,
): Promise<string> {
  const appRef = apps().doc(appDocId(tenantId, slug));
  const id = randomUUID();
  return db().runTransaction(async (tx) => {
    const existing = (await tx.get(appRef)).data();
    if (existing !== undefined) {
      throw new Conflict("APP_HAS_DEFINITION", `App ${slug} already has definition ${existing.definitionId}.`, {
        definitionId: existing.definitionId,
      });
    }
    const at = Timestamp.fromDate(now);
    tx.create(definitions().doc(id), newDefinitionDoc(tenantId, userId, input, now));
    tx.create(appRef, {
      tenantId,
      slug,
      definitionId: id,
      versionId: null,
      deploymentId: null,
      createdAt: at,
      updatedAt: at,
    });
    return id;
  });
}
