import { Timestamp } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { invitations, memberRef, roleAtLeast, type InvitationDoc, type MemberDoc, type Role } from "../../data/teams";
import { assert, Conflict, NotFound, PermissionDenied } from "../../http/errors";

/** An invitation can be accepted for this long. */
export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Most invitations a listing returns (newest first). */
export const MAX_INVITATIONS_LISTED = 200;

export type InvitationStatus = "pending" | "accepted" | "revoked" | "expired";

function statusOf(doc: InvitationDoc, now: Date): InvitationStatus {
  if (doc.acceptedAt !== null) return "accepted";
  if (doc.revokedAt !== null) return "revoked";
  return doc.expiresAt.toMillis() <= now.getTime() ? "expired" : "pending";
}

function invitationView(teamId: string, invitationId: string, doc: InvitationDoc, now: Date) {
  return {
    invitationId,
    teamId,
    email: doc.email,
    role: doc.role,
    invitedBy: doc.invitedBy,
    status: statusOf(doc, now),
    createdAt: doc.createdAt.toDate().toISOString(),
    expiresAt: doc.expiresAt.toDate().toISOString(),
    acceptedAt: doc.acceptedAt?.toDate().toISOString() ?? null,
  };
}

/** An admin invites by email with a role no higher than their own. */
export async function createInvitation(
  teamId: string,
  inviter: { uid: string; role: Role },
  email: string,
  role: Role,
  now: Date,
) {
  assert(
    roleAtLeast(inviter.role, role),
    new PermissionDenied("ROLE_TOO_LOW", "You cannot invite someone with a role above yours."),
  );
  const doc: InvitationDoc = {
    email: email.toLowerCase(),
    role,
    invitedBy: inviter.uid,
    createdAt: Timestamp.fromDate(now),
    expiresAt: Timestamp.fromMillis(now.getTime() + INVITATION_TTL_MS),
    acceptedAt: null,
    acceptedBy: null,
    revokedAt: null,
  };
  const ref = invitations(teamId).doc();
  await ref.create(doc);
  return invitationView(teamId, ref.id, doc, now);
}

export async function listInvitations(teamId: string, now: Date) {
  const snap = await invitations(teamId).orderBy("createdAt", "desc").limit(MAX_INVITATIONS_LISTED).get();
  return snap.docs.map((d) => invitationView(teamId, d.id, d.data(), now));
}

/** Idempotent; an accepted invitation is history and cannot be revoked. */
export async function revokeInvitation(teamId: string, invitationId: string, now: Date) {
  return db().runTransaction(async (tx) => {
    const ref = invitations(teamId).doc(invitationId);
    const doc = (await tx.get(ref)).data();
    assert(doc !== undefined, new NotFound("INVITATION_NOT_FOUND", "No such invitation."));
    assert(
      doc.acceptedAt === null,
      new Conflict("INVITATION_ACCEPTED", "This invitation was already accepted; remove the member instead."),
    );
    if (doc.revokedAt !== null) return invitationView(teamId, invitationId, doc, now);
    const revoked = { ...doc, revokedAt: Timestamp.fromDate(now) };
    tx.update(ref, { revokedAt: revoked.revokedAt });
    return invitationView(teamId, invitationId, revoked, now);
  });
}

/**
 * The signed-in invitee (same email, case-insensitive) joins with the invited role. Anyone else
 * gets 404, as for any team resource they are not part of; a revoked, expired or used invitation
 * is 409. Accepting while already a member keeps the higher of the two roles.
 */
export async function acceptInvitation(
  teamId: string,
  invitationId: string,
  user: { uid: string; email: string | null },
  now: Date,
) {
  return db().runTransaction(async (tx) => {
    const ref = invitations(teamId).doc(invitationId);
    const doc = (await tx.get(ref)).data();
    assert(
      doc !== undefined && user.email !== null && doc.email === user.email.toLowerCase(),
      new NotFound("INVITATION_NOT_FOUND", "No such invitation."),
    );
    const status = statusOf(doc, now);
    assert(status === "pending", new Conflict(`INVITATION_${status.toUpperCase()}`, `This invitation is ${status}.`));
    const existing = (await tx.get(memberRef(teamId, user.uid))).data();
    const role = existing !== undefined && roleAtLeast(existing.role, doc.role) ? existing.role : doc.role;
    const at = Timestamp.fromDate(now);
    const member: MemberDoc = { role, email: user.email, teamId, uid: user.uid, joinedAt: existing?.joinedAt ?? at };
    tx.set(memberRef(teamId, user.uid), member);
    tx.update(ref, { acceptedAt: at, acceptedBy: user.uid });
    return { teamId, role };
  });
}
