import type { Query } from "firebase-admin/firestore";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";

/**
 * Every record that can refer to a blob, as one equality query per place (the orphan sweep asks
 * each for one match). A new kind of record holding a `BlobRef` must be added here, or the sweep
 * deletes its bytes.
 *
 * Indexes: `jobs.payload.bundle.sha256`, `versions.bundle.sha256` and `deployments.bundle.sha256`
 * are automatic single-field indexes; the two collection-group queries need the
 * COLLECTION_GROUP field overrides on `artifacts.blob.sha256` and `deliverables.blob.sha256` in
 * firestore.indexes.json.
 */
export function blobReferences(sha256: string): Query[] {
  const firestore = db();
  return [
    // Job artifacts (jobs/{id}/artifacts): bytes a runner uploaded.
    firestore.collectionGroup("artifacts").where("blob.sha256", "==", sha256),
    // Workspace file deliverables (workspaces/{id}/deliverables).
    firestore.collectionGroup("deliverables").where("blob.sha256", "==", sha256),
    // Coderunner code bundles: versions, the deployments copied from them, and executions.
    firestore.collection(COLLECTIONS.versions).where("bundle.sha256", "==", sha256),
    firestore.collection(COLLECTIONS.deployments).where("bundle.sha256", "==", sha256),
    firestore.collection(COLLECTIONS.jobs).where("payload.bundle.sha256", "==", sha256),
  ];
}
