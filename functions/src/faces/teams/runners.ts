import { listRunnerTokens as list, mintRunnerToken, revokeRunnerToken as revoke } from "../../core/teams/runnerTokens";
import { readTeamRunners } from "../../core/teams/readTeamRunners";
import { ownerFor } from "../../core/teams/owner";
import type { Scope } from "../../data/collections";
import { endpoint } from "../../http/route";
import { TEAM_ADMIN, TEAM_MEMBER, TEAM_RUNNERS_READ } from "./auth";
import { runnerTokenBody, runnerTokenParams, teamParams } from "./schemas";

/** `POST /teams/:teamId/runner-tokens` `{ name, scopes? }` (admin) → 201 `{ tokenId, token, … }`, the token shown once. */
export const createRunnerToken = endpoint({
  face: "jobs",
  method: "POST",
  path: "/teams/:teamId/runner-tokens",
  auth: TEAM_ADMIN,
  params: teamParams,
  body: runnerTokenBody,
  handler: async ({ principal, body, now }) => ({
    status: 201,
    body: await mintRunnerToken(ownerFor(principal), body.name, (body.scopes ?? []) as Scope[], now),
  }),
});

/** `GET /teams/:teamId/runner-tokens` → `{ tokens }` without secrets. */
export const listRunnerTokens = endpoint({
  face: "jobs",
  method: "GET",
  path: "/teams/:teamId/runner-tokens",
  auth: TEAM_MEMBER,
  params: teamParams,
  handler: async ({ principal }) => ({ body: { tokens: await list(principal.teamId) } }),
});

/** `DELETE /teams/:teamId/runner-tokens/:tokenId` (admin) → `{ ok: true }`; the token fails on its next call. */
export const revokeRunnerToken = endpoint({
  face: "jobs",
  method: "DELETE",
  path: "/teams/:teamId/runner-tokens/:tokenId",
  auth: TEAM_ADMIN,
  params: runnerTokenParams,
  handler: async ({ principal, params, now }) => {
    await revoke(principal.teamId, params.tokenId, now);
    return { body: { ok: true } };
  },
});

/** `GET /teams/:teamId/runners` → `{ runners }`: the team's connection inventory across faces. */
export const listTeamRunners = endpoint({
  face: "jobs",
  method: "GET",
  path: "/teams/:teamId/runners",
  auth: TEAM_RUNNERS_READ,
  params: teamParams,
  handler: async ({ principal, now }) => ({ body: { runners: await readTeamRunners(principal.teamId, now) } }),
});
