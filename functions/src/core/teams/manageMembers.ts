import type { Transaction } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { memberRef, ownersOf, roleAtLeast, type Role } from "../../data/teams";
import { assert, Conflict, NotFound, PermissionDenied } from "../../http/errors";
import { personalTeamId } from "./ensurePersonalTeam";

/** The member acting, as authentication resolved them. */
export interface Actor {
  uid: string;
  role: Role;
}

/**
 * Admins manage members other than owners and never hand out `owner`; owners manage everyone.
 * Changes to or from `owner` keep at least one owner, checked in the same transaction.
 */
export async function setMemberRole(teamId: string, actor: Actor, uid: string, role: Role) {
  return db().runTransaction(async (tx) => {
    const current = await readMember(tx, teamId, uid);
    assertMayManage(actor, current.role, role);
    if (current.role === "owner" && role !== "owner") await assertAnotherOwner(tx, teamId, uid);
    if (teamId === personalTeamId(uid))
      assert(role === "owner", new Conflict("PERSONAL_TEAM_OWNER", "A personal team's own user stays its owner."));
    tx.update(memberRef(teamId, uid), { role });
    return { uid, email: current.email, role, joinedAt: current.joinedAt.toDate().toISOString() };
  });
}

/**
 * Removes a member (or, when `uid` is the actor, leaves). What they created stays with the team;
 * their next call in it is refused, since membership is read on every call.
 */
export async function removeMember(teamId: string, actor: Actor, uid: string): Promise<void> {
  await db().runTransaction(async (tx) => {
    const current = await readMember(tx, teamId, uid);
    if (uid !== actor.uid) assertMayManage(actor, current.role, current.role);
    assert(
      teamId !== personalTeamId(uid),
      new Conflict("PERSONAL_TEAM_OWNER", "Nobody leaves their own personal team."),
    );
    if (current.role === "owner") await assertAnotherOwner(tx, teamId, uid);
    tx.delete(memberRef(teamId, uid));
  });
}

async function readMember(tx: Transaction, teamId: string, uid: string) {
  const member = (await tx.get(memberRef(teamId, uid))).data();
  assert(member !== undefined, new NotFound("MEMBER_NOT_FOUND", "No such member."));
  return member;
}

function assertMayManage(actor: Actor, from: Role, to: Role): void {
  assert(
    roleAtLeast(actor.role, "admin"),
    new PermissionDenied("ROLE_TOO_LOW", "Managing members needs the admin role."),
  );
  if (actor.role === "owner") return;
  assert(from !== "owner" && to !== "owner", new PermissionDenied("ROLE_TOO_LOW", "Only an owner manages owners."));
}

async function assertAnotherOwner(tx: Transaction, teamId: string, uid: string): Promise<void> {
  const owners = await tx.get(ownersOf(teamId).limit(2));
  assert(
    owners.docs.some((d) => d.id !== uid),
    new Conflict("LAST_OWNER", "A team keeps at least one owner: make someone else owner first."),
  );
}
