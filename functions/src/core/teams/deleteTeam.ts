import { Timestamp, type DocumentReference, type Query, type WriteBatch } from "firebase-admin/firestore";
import { teamCredentials } from "../../data/credentials";
import { db } from "../../data/firestore";
import { jobs } from "../../data/jobs";
import { ownedRunnersInStatus } from "../../data/runners";
import { invitations, members, teams } from "../../data/teams";
import { assert, Conflict, NotFound } from "../../http/errors";
import type { JobStatus } from "../jobs/model";

const UNFINISHED: readonly JobStatus[] = ["PENDING", "LEASED", "RUNNING", "PAUSED"];
/** Writes per batch when taking a team apart. */
const DELETE_PAGE = 300;

/**
 * Deletes a team (its owner's call): never a personal team, and not while it has online or busy
 * runners or unfinished jobs (409: drain them first). Its keys are revoked so they fail on their
 * next call; its finished jobs and offline runners stay as history, reachable by nobody.
 */
export async function deleteTeam(teamId: string, now: Date): Promise<void> {
  const team = (await teams().doc(teamId).get()).data();
  assert(team !== undefined, new NotFound("TEAM_NOT_FOUND", "No such team."));
  assert(!team.personal, new Conflict("PERSONAL_TEAM", "A personal team cannot be deleted."));
  const [online, busy, unfinished] = await Promise.all([
    ownedRunnersInStatus(teamId, "online", 1).get(),
    ownedRunnersInStatus(teamId, "busy", 1).get(),
    // Index: jobs (teamId ASC, status ASC).
    jobs().where("teamId", "==", teamId).where("status", "in", UNFINISHED).limit(1).get(),
  ]);
  assert(
    online.empty && busy.empty,
    new Conflict("TEAM_HAS_ACTIVE_RUNNERS", "The team has online runners; stop or deregister them first."),
  );
  assert(
    unfinished.empty,
    new Conflict("TEAM_HAS_UNFINISHED_JOBS", "The team has unfinished jobs; cancel them or let them finish first."),
  );
  const revokedAt = Timestamp.fromDate(now);
  for (const kind of ["apiKey", "runner"] as const) {
    const active = (await teamCredentials(teamId, kind).get()).docs.filter((d) => d.data().revokedAt === null);
    for (let i = 0; i < active.length; i += DELETE_PAGE) {
      const batch = db().batch();
      for (const doc of active.slice(i, i + DELETE_PAGE)) batch.update(doc.ref, { revokedAt });
      await batch.commit();
    }
  }
  await inPages(invitations(teamId), (batch, ref) => batch.delete(ref));
  await inPages(members(teamId), (batch, ref) => batch.delete(ref));
  await teams().doc(teamId).delete();
}

/** Applies `write` (a delete) to every document `query` matches, a page per batch, until none is left. */
async function inPages<T>(
  query: Query<T>,
  write: (batch: WriteBatch, ref: DocumentReference<T>) => void,
): Promise<void> {
  for (;;) {
    const page = await query.limit(DELETE_PAGE).get();
    if (page.empty) return;
    const batch = db().batch();
    for (const doc of page.docs) write(batch, doc.ref);
    await batch.commit();
    if (page.size < DELETE_PAGE) return;
  }
}
