import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { members, membershipsOf, memberRef, teams, type MemberDoc, type Role, type TeamDoc } from "../../data/teams";
import { assert, NotFound } from "../../http/errors";

/** Most teams `GET /teams` lists for one user. */
export const MAX_TEAMS_LISTED = 200;

export interface TeamView {
  teamId: string;
  name: string;
  personal: boolean;
  /** The caller's role in it. */
  role: Role;
  createdAt: string;
}

export function teamView(teamId: string, team: TeamDoc, role: Role): TeamView {
  return { teamId, name: team.name, personal: team.personal, role, createdAt: team.createdAt.toDate().toISOString() };
}

/** The teams `uid` belongs to, with their role: the personal team first, then by name. */
export async function listTeams(uid: string): Promise<TeamView[]> {
  const memberships = (await membershipsOf(uid).limit(MAX_TEAMS_LISTED).get()).docs.map((d) => d.data());
  if (memberships.length === 0) return [];
  const snaps = await db().getAll(...memberships.map((m) => teams().doc(m.teamId)));
  const views: TeamView[] = [];
  snaps.forEach((snap, i) => {
    const team = snap.data() as TeamDoc | undefined;
    const membership = memberships[i];
    if (team !== undefined && membership !== undefined) views.push(teamView(snap.id, team, membership.role));
  });
  return views.sort((a, b) => Number(b.personal) - Number(a.personal) || a.name.localeCompare(b.name));
}

/** A new (non-personal) team with the caller as its only owner. */
export async function createTeam(
  creator: { uid: string; email: string | null },
  name: string,
  now: Date,
): Promise<TeamView> {
  const ref = teams().doc(`team_${teams().doc().id}`);
  const at = Timestamp.fromDate(now);
  const team: TeamDoc = { name, personal: false, createdBy: creator.uid, createdAt: at, updatedAt: at };
  const member: MemberDoc = { role: "owner", email: creator.email, teamId: ref.id, uid: creator.uid, joinedAt: at };
  const batch = db().batch();
  batch.create(ref, team);
  batch.create(memberRef(ref.id, creator.uid), member);
  await batch.commit();
  return teamView(ref.id, team, "owner");
}

/** The team the caller is a member of (authentication has checked that). */
export async function readTeam(teamId: string, role: Role): Promise<TeamView> {
  const team = (await teams().doc(teamId).get()).data();
  assert(team !== undefined, new NotFound("TEAM_NOT_FOUND", "No such team."));
  return teamView(teamId, team, role);
}

export async function renameTeam(teamId: string, role: Role, name: string, now: Date): Promise<TeamView> {
  await teams()
    .doc(teamId)
    .update({ name, updatedAt: Timestamp.fromDate(now) });
  return readTeam(teamId, role);
}

/** Members, owners first. */
export async function listMembers(teamId: string) {
  const snap = await members(teamId).get();
  return snap.docs
    .map((d) => d.data())
    .sort((a, b) => b.role.localeCompare(a.role) || a.uid.localeCompare(b.uid))
    .map((m) => ({ uid: m.uid, email: m.email, role: m.role, joinedAt: m.joinedAt.toDate().toISOString() }));
}
