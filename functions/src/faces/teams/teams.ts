import { deleteTeam as remove } from "../../core/teams/deleteTeam";
import { createTeam as create, listTeams as list, readTeam, renameTeam as rename } from "../../core/teams/manageTeams";
import { endpoint } from "../../http/route";
import { SIGNED_IN, TEAM_ADMIN, TEAM_MEMBER, TEAM_OWNER } from "./auth";
import { teamBody, teamParams } from "./schemas";

/** `GET /teams` → `{ teams: [{ teamId, name, personal, role, createdAt }] }`, personal team first. */
export const listTeams = endpoint({
  face: "jobs",
  method: "GET",
  path: "/teams",
  auth: SIGNED_IN,
  handler: async ({ principal }) => ({ body: { teams: await list(principal.uid) } }),
});

/** `POST /teams` `{ name }` → 201 with the team; the caller is its owner. */
export const createTeam = endpoint({
  face: "jobs",
  method: "POST",
  path: "/teams",
  auth: SIGNED_IN,
  body: teamBody,
  handler: async ({ principal, body, now }) => ({ status: 201, body: await create(principal, body.name, now) }),
});

/** `GET /teams/:teamId` → the team with the caller's role; non-members 404. */
export const getTeam = endpoint({
  face: "jobs",
  method: "GET",
  path: "/teams/:teamId",
  auth: TEAM_MEMBER,
  params: teamParams,
  handler: async ({ principal }) => ({ body: await readTeam(principal.teamId, principal.role) }),
});

/** `PATCH /teams/:teamId` `{ name }` (admin) → the team. */
export const renameTeam = endpoint({
  face: "jobs",
  method: "PATCH",
  path: "/teams/:teamId",
  auth: TEAM_ADMIN,
  params: teamParams,
  body: teamBody,
  handler: async ({ principal, body, now }) => ({
    body: await rename(principal.teamId, principal.role, body.name, now),
  }),
});

/** `DELETE /teams/:teamId` (owner) → `{ ok: true }`; 409 for a personal team or one still at work. */
export const deleteTeam = endpoint({
  face: "jobs",
  method: "DELETE",
  path: "/teams/:teamId",
  auth: TEAM_OWNER,
  params: teamParams,
  handler: async ({ principal, now }) => {
    await remove(principal.teamId, now);
    return { body: { ok: true } };
  },
});
