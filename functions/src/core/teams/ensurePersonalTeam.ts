import { FieldPath, Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "../../data/collections";
import { db } from "../../data/firestore";
import { memberRef, teams, type MemberDoc, type TeamDoc } from "../../data/teams";

/** Records stamped per batch by the migration of pre-team records. */
const MIGRATION_PAGE = 300;
/** gRPC ALREADY_EXISTS: a concurrent first call created the team first. */
const ALREADY_EXISTS = 6;

/** A user's personal team has the user's uid as its id (see `TeamDoc`). */
export function personalTeamId(uid: string): string {
  return uid;
}

/**
 * Makes sure `uid`'s personal team exists, creating it on first use. Safe under concurrent first
 * calls: both stamp old records (idempotent) and both try to create; one create wins, the other
 * gets ALREADY_EXISTS and reads the winner's team. Records from before teams (`ownerUid` set,
 * `teamId` absent) are stamped with the personal team *before* the team is created, so once the
 * team exists every record the user owned is found by the team queries; a crash midway leaves
 * the team uncreated and the next call stamps the rest.
 */
export async function ensurePersonalTeam(uid: string, email: string | null, now: Date): Promise<void> {
  const teamId = personalTeamId(uid);
  if ((await teams().doc(teamId).get()).exists) return;
  await stampLegacyRecords(uid, teamId);
  const at = Timestamp.fromDate(now);
  const team: TeamDoc = {
    name: email === null ? "Personal" : `${email} (personal)`,
    personal: true,
    createdBy: uid,
    createdAt: at,
    updatedAt: at,
  };
  const member: MemberDoc = { role: "owner", email, teamId, uid, joinedAt: at };
  const batch = db().batch();
  batch.create(teams().doc(teamId), team);
  batch.create(memberRef(teamId, uid), member);
  await batch.commit().catch((error: unknown) => {
    if ((error as { code?: unknown }).code !== ALREADY_EXISTS) throw error;
  });
}

const OWNED_COLLECTIONS = [
  COLLECTIONS.credentials,
  COLLECTIONS.runners,
  COLLECTIONS.jobs,
  COLLECTIONS.workspaces,
] as const;

/** Gives every record of `uid` that has no team the personal team. Single-field `ownerUid` index. */
async function stampLegacyRecords(uid: string, teamId: string): Promise<void> {
  for (const name of OWNED_COLLECTIONS) {
    const collection = db().collection(name);
    let after: string | null = null;
    for (;;) {
      let query = collection.where("ownerUid", "==", uid).orderBy(FieldPath.documentId()).limit(MIGRATION_PAGE);
      if (after !== null) query = query.startAfter(after);
      const page = await query.get();
      const batch = db().batch();
      let writes = 0;
      for (const doc of page.docs) {
        if (doc.get("teamId") !== undefined) continue;
        batch.update(doc.ref, { teamId });
        writes += 1;
      }
      if (writes > 0) await batch.commit();
      if (page.size < MIGRATION_PAGE) break;
      after = page.docs[page.docs.length - 1]?.id ?? null;
    }
  }
}
