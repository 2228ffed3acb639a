/**
 * The baseline the shipped claim is measured against, kept here and nowhere else: the claim as
 * it is usually first written. One transaction queries the oldest pending job (the shipped
 * query's shape, limit 1) and leases it. Every claimer reads the same head document, so every
 * claimer conflicts with every other: Firestore's server SDK serialises them with locks, the
 * offline Firestore with ABORTED and SDK retries. Either way they take turns.
 */
import { randomBytes } from "node:crypto";
import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../functions/src/data/firestore";
import { pendingHead } from "../../functions/src/data/jobs";
import { shardsOf, type Lease } from "../../functions/src/core/jobs/model";

/** The Admin SDK's default number of attempts per transaction, stated so the baseline is not tuned. */
export const NAIVE_MAX_ATTEMPTS = 5;

export interface NaiveClaim {
  lease: { id: string; holder: string; token: string } | null;
  /** Attempts beyond the first: each one is an aborted transaction. */
  retries: number;
}

export async function naiveClaim(queue: string, holder: string, leaseMs: number, now: Date): Promise<NaiveClaim> {
  let attempts = 0;
  const lease = await db().runTransaction(
    async (tx) => {
      attempts++;
      const head = (await tx.get(pendingHead(shardsOf(queue), 1))).docs[0];
      if (head === undefined) return null;
      const at = Timestamp.fromDate(now);
      const granted: Lease = {
        holder,
        token: randomBytes(16).toString("base64url"),
        expiresAt: Timestamp.fromMillis(now.getTime() + leaseMs),
        leasedAt: at,
      };
      tx.update(head.ref, {
        status: "LEASED",
        pendingShard: null,
        lease: granted,
        leaseExpiresAt: granted.expiresAt,
        leaseMs,
        updatedAt: at,
        startedAt: head.data().startedAt ?? at,
      });
      return { id: head.id, holder, token: granted.token };
    },
    { maxAttempts: NAIVE_MAX_ATTEMPTS },
  );
  return { lease, retries: Math.max(0, attempts - 1) };
}
