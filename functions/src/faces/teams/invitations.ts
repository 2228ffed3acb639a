import {
  acceptInvitation as accept,
  createInvitation as create,
  listInvitations as list,
  revokeInvitation as revoke,
} from "../../core/teams/manageInvitations";
import { endpoint } from "../../http/route";
import { SIGNED_IN, TEAM_ADMIN } from "./auth";
import { invitationBody, invitationParams, teamParams } from "./schemas";

/** `POST /teams/:teamId/invitations` `{ email, role }` (admin) → 201 with the invitation (7 days). */
export const createInvitation = endpoint({
  face: "jobs",
  method: "POST",
  path: "/teams/:teamId/invitations",
  auth: TEAM_ADMIN,
  params: teamParams,
  body: invitationBody,
  handler: async ({ principal, body, now }) => ({
    status: 201,
    body: await create(principal.teamId, principal, body.email, body.role, now),
  }),
});

/** `GET /teams/:teamId/invitations` (admin) → `{ invitations }`, newest first, with their status. */
export const listInvitations = endpoint({
  face: "jobs",
  method: "GET",
  path: "/teams/:teamId/invitations",
  auth: TEAM_ADMIN,
  params: teamParams,
  handler: async ({ principal, now }) => ({ body: { invitations: await list(principal.teamId, now) } }),
});

/** `DELETE /teams/:teamId/invitations/:invitationId` (admin) → the revoked invitation. */
export const revokeInvitation = endpoint({
  face: "jobs",
  method: "DELETE",
  path: "/teams/:teamId/invitations/:invitationId",
  auth: TEAM_ADMIN,
  params: invitationParams,
  handler: async ({ principal, params, now }) => ({ body: await revoke(principal.teamId, params.invitationId, now) }),
});

/**
 * `POST /teams/:teamId/invitations/:invitationId/accept` → `{ teamId, role }`, by the signed-in
 * invitee (not yet a member, so the team is not resolved from the path); anyone else 404.
 */
export const acceptInvitation = endpoint({
  face: "jobs",
  method: "POST",
  path: "/teams/:teamId/invitations/:invitationId/accept",
  auth: SIGNED_IN,
  params: invitationParams,
  handler: async ({ principal, params, now }) => ({
    body: await accept(params.teamId, params.invitationId, principal, now),
  }),
});
