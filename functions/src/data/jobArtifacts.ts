import { createHash } from "node:crypto";
import type { CollectionReference, Query, Timestamp } from "firebase-admin/firestore";
import type { BlobRef } from "./blobs";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";

/** `jobs/{jobId}/artifacts/{artifactId}`: a file the holding runner uploaded. */
export interface ArtifactDoc {
  /** The name the runner gave it (a file name or relative path). */
  name: string;
  /** Where the bytes live, with their size and content type. */
  blob: BlobRef;
  /** The runner id (as it named itself) that uploaded it. */
  uploadedBy: string;
  /** When it was stored. */
  createdAt: Timestamp;
  /** Firestore's TTL policy deletes the record after this (`createdAt` + retention; see core/retention). */
  expireAt?: Timestamp;
}

export function jobArtifacts(jobId: string): CollectionReference<ArtifactDoc> {
  return db().collection(COLLECTIONS.jobs).doc(jobId).collection("artifacts") as CollectionReference<ArtifactDoc>;
}

/**
 * The artifact id is derived from its name, so a retried upload lands on the same document
 * (and the same bytes are recognised as a retry rather than a second artifact).
 */
export function artifactIdFor(name: string): string {
  return `a${createHash("sha256").update(name, "utf8").digest("hex").slice(0, 32)}`;
}

/** A job's artifacts, oldest first. Index: single-field `createdAt` (automatic). */
export function artifactsOf(jobId: string, limit: number): Query<ArtifactDoc> {
  return jobArtifacts(jobId).orderBy("createdAt", "asc").limit(limit);
}
