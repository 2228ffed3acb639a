import { versions, versionsOfDefinition, type VersionDoc } from "../../data/code";
import { db } from "../../data/firestore";
import { Conflict, NotFound } from "../../http/errors";
import { ownedDefinition, ownedVersion } from "./owned";

/** Most versions one listing returns (newest first). */
export const MAX_VERSIONS_LISTED = 100;

export async function listVersions(tenantId: string, definitionId: string): Promise<{ id: string; doc: VersionDoc }[]> {
  await ownedDefinition(tenantId, definitionId);
  const snap = await versionsOfDefinition(definitionId, MAX_VERSIONS_LISTED).get();
  return snap.docs.map((d) => ({ id: d.id, doc: d.data() }));
}

/** With `definitionId` (the proxy's app), a version of another definition is 404 too. */
export async function readVersion(tenantId: string, versionId: string, definitionId?: string): Promise<VersionDoc> {
  const { doc } = await ownedVersion(tenantId, versionId);
  if (definitionId !== undefined && doc.definitionId !== definitionId)
    throw new NotFound("VERSION_NOT_FOUND", "No such version.");
  return doc;
}

/**
 * Deletes a version no deployment runs. The check and the delete share a transaction with the
 * deploy that adds to `deploymentIds`, so a version cannot be deleted from under a new deploy.
 * The bundle blob stays: blobs are content-addressed and may back other versions.
 */
export async function deleteVersion(tenantId: string, versionId: string, definitionId?: string): Promise<void> {
  const ref = versions().doc(versionId);
  await db().runTransaction(async (tx) => {
    const version = (await tx.get(ref)).data();
    if (
      version === undefined ||
      version.tenantId !== tenantId ||
      (definitionId !== undefined && version.definitionId !== definitionId)
    ) {
      throw new NotFound("VERSION_NOT_FOUND", "No such version.");
    }
    if (version.deploymentIds.length > 0) {
      throw new Conflict(
        "VERSION_IN_USE",
        `Version ${versionId} is used by deployment ${version.deploymentIds.join(", ")}; deploy another version first.`,
        { deploymentIds: version.deploymentIds },
      );
    }
    tx.delete(ref);
  });
}
