/** Arrangements shared by the teams tests: teams, members by invitation, team-scoped calls. */
import assert from "node:assert/strict";
import { call, type ApiResponse, type TestUser } from "../harness/stack";

export type Role = "owner" | "admin" | "member" | "viewer";

export interface Team {
  teamId: string;
  name: string;
  personal: boolean;
  role: Role;
}

export interface Invitation {
  invitationId: string;
  teamId: string;
  email: string;
  role: Role;
  status: string;
  expiresAt: string;
}

export async function createTeam(owner: TestUser, name = "Platform"): Promise<Team> {
  const response = await call<Team>("POST", "/teams", { token: owner.idToken, body: { name } });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

export async function invite(admin: TestUser, teamId: string, email: string, role: Role): Promise<Invitation> {
  const response = await call<Invitation>("POST", `/teams/${teamId}/invitations`, {
    token: admin.idToken,
    body: { email, role },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

export function accept(
  user: TestUser,
  teamId: string,
  invitationId: string,
): Promise<ApiResponse<{ teamId: string; role: Role }>> {
  return call("POST", `/teams/${teamId}/invitations/${invitationId}/accept`, { token: user.idToken });
}

/** `user` joins `teamId` with `role` through an invitation, as a person would. */
export async function join(owner: TestUser, teamId: string, user: TestUser, role: Role): Promise<void> {
  const invitation = await invite(owner, teamId, user.email, role);
  const accepted = await accept(user, teamId, invitation.invitationId);
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
}

export async function runnerToken(
  admin: TestUser,
  teamId: string,
  scopes: string[] = [],
  name = "ci runners",
): Promise<{ tokenId: string; token: string; scopes: string[] }> {
  const response = await call<{ tokenId: string; token: string; scopes: string[] }>(
    "POST",
    `/teams/${teamId}/runner-tokens`,
    { token: admin.idToken, body: { name, scopes } },
  );
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

/** The header a signed-in user names another team of theirs with on routes without a team in the path. */
export const inTeam = (teamId: string) => ({ "x-runnerplane-team": teamId });
