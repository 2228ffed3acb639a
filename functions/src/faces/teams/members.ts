import { removeMember as remove, setMemberRole } from "../../core/teams/manageMembers";
import { listMembers as list } from "../../core/teams/manageTeams";
import { endpoint } from "../../http/route";
import { TEAM_ADMIN, TEAM_ANY_ROLE, TEAM_MEMBER } from "./auth";
import { memberBody, memberParams, teamParams } from "./schemas";

/** `GET /teams/:teamId/members` → `{ members: [{ uid, email, role, joinedAt }] }`. */
export const listMembers = endpoint({
  face: "jobs",
  method: "GET",
  path: "/teams/:teamId/members",
  auth: TEAM_MEMBER,
  params: teamParams,
  handler: async ({ principal }) => ({ body: { members: await list(principal.teamId) } }),
});

/** `PATCH /teams/:teamId/members/:uid` `{ role }` (admin; owners for owners) → the member; 409 LAST_OWNER. */
export const updateMember = endpoint({
  face: "jobs",
  method: "PATCH",
  path: "/teams/:teamId/members/:uid",
  auth: TEAM_ADMIN,
  params: memberParams,
  body: memberBody,
  handler: async ({ principal, params, body }) => ({
    body: await setMemberRole(principal.teamId, principal, params.uid, body.role),
  }),
});

/** `DELETE /teams/:teamId/members/:uid` → `{ ok: true }`: leave (own uid, any role) or remove (admin). */
export const removeMember = endpoint({
  face: "jobs",
  method: "DELETE",
  path: "/teams/:teamId/members/:uid",
  auth: TEAM_ANY_ROLE,
  params: memberParams,
  handler: async ({ principal, params }) => {
    await remove(principal.teamId, principal, params.uid);
    return { body: { ok: true } };
  },
});
