import type { CollectionReference, DocumentReference, Query, Timestamp } from "firebase-admin/firestore";
import { COLLECTIONS } from "./collections";
import { db } from "./firestore";

/** Ordered from least to most: a role may do everything the roles before it may. */
export const ROLES = ["viewer", "member", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

/**
 * `teams/{teamId}`: owns credentials, runners, jobs and workspaces. A user's personal team has
 * the user's uid as its id, so records written before teams existed (`ownerUid` only) map to it
 * without guessing; other teams get `team_<random>` ids.
 */
export interface TeamDoc {
  /** Display name. */
  name: string;
  /** Personal teams are created on first use, one per user, and cannot be deleted. */
  personal: boolean;
  /** The uid that created it (for a personal team, its user). */
  createdBy: string;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** `teams/{teamId}/members/{uid}`: read on every call a user makes in the team. */
export interface MemberDoc {
  role: Role;
  /** Email at the time they joined (shown in the member list). */
  email: string | null;
  /** The team's id again, so a collection-group query finds a user's teams. */
  teamId: string;
  /** The member's uid again (collection-group queries match on fields, not ids). */
  uid: string;
  joinedAt: Timestamp;
}

/** `teams/{teamId}/invitations/{invitationId}`: accepted by a signed-in user with `email`. */
export interface InvitationDoc {
  /** Lower-cased email of the invitee. */
  email: string;
  role: Role;
  invitedBy: string;
  createdAt: Timestamp;
  /** Seven days after creation; an invitation past this cannot be accepted. */
  expiresAt: Timestamp;
  /** Set when accepted; an accepted invitation cannot be accepted again. */
  acceptedAt: Timestamp | null;
  acceptedBy: string | null;
  /** Set when revoked by an admin. */
  revokedAt: Timestamp | null;
}

/** `loginAttempts/{key}`: failed logins in the current window, per email or per caller address. */
export interface LoginAttemptsDoc {
  /** Failures counted since `windowStart`. */
  failures: number;
  windowStart: Timestamp;
}

export function teams(): CollectionReference<TeamDoc> {
  return db().collection(COLLECTIONS.teams) as CollectionReference<TeamDoc>;
}

export function members(teamId: string): CollectionReference<MemberDoc> {
  return teams().doc(teamId).collection(COLLECTIONS.members) as CollectionReference<MemberDoc>;
}

export function memberRef(teamId: string, uid: string): DocumentReference<MemberDoc> {
  return members(teamId).doc(uid);
}

export function invitations(teamId: string): CollectionReference<InvitationDoc> {
  return teams().doc(teamId).collection(COLLECTIONS.invitations) as CollectionReference<InvitationDoc>;
}

export function loginAttempts(): CollectionReference<LoginAttemptsDoc> {
  return db().collection(COLLECTIONS.loginAttempts) as CollectionReference<LoginAttemptsDoc>;
}

/** A user's memberships. Index: collection group `members` (uid ASC), single-field exemption in firestore.indexes.json. */
export function membershipsOf(uid: string): Query<MemberDoc> {
  return db().collectionGroup(COLLECTIONS.members).where("uid", "==", uid) as Query<MemberDoc>;
}

/** Owners of a team (the last one may not leave or be demoted). Single-field index. */
export function ownersOf(teamId: string): Query<MemberDoc> {
  return members(teamId).where("role", "==", "owner");
}
