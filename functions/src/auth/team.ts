import type { Request } from "firebase-functions/v2/https";
import { memberRef, roleAtLeast, type Role } from "../data/teams";
import { ensurePersonalTeam, personalTeamId } from "../core/teams/ensurePersonalTeam";
import { assert, InvalidArgument, NotFound, PermissionDenied } from "../http/errors";

/** A signed-in user names another team of theirs with this header (or `?teamId=`). */
export const TEAM_HEADER = "x-runnerplane-team";

const TEAM_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Where a route takes its team from. */
export type TeamSource =
  /** The path's `:teamId`, else the header, else the caller's personal team (the default). */
  | "request"
  /** Always the caller's personal team (routes about the caller, e.g. `GET /teams`). */
  | "personal";

/** The team a request names, in order: path, header, query; null when it names none. */
export function namedTeam(req: Request, params: Record<string, string>): string | null {
  const header = req.headers[TEAM_HEADER];
  const query = req.query.teamId;
  const named =
    params.teamId ??
    (typeof header === "string" ? header : undefined) ??
    (typeof query === "string" ? query : undefined);
  if (named === undefined) return null;
  assert(TEAM_ID.test(named), new InvalidArgument("INVALID_TEAM", "The team id is not valid."));
  return named;
}

export const noSuchTeam = () => new NotFound("TEAM_NOT_FOUND", "No such team.");

/**
 * The role of `uid` in `teamId`, read on every call so a removed member is refused on their very
 * next request (one document read). A non-member gets 404: a team's existence is not confirmed to
 * outsiders. A user's personal team is created on first use.
 */
export async function roleIn(teamId: string, uid: string, email: string | null, now: Date): Promise<Role> {
  const member = await memberRef(teamId, uid).get();
  const role = member.data()?.role;
  if (role !== undefined) return role;
  if (teamId !== personalTeamId(uid)) throw noSuchTeam();
  await ensurePersonalTeam(uid, email, now);
  // Read back rather than assume: a concurrent first call may have created it instead of us.
  const created = (await memberRef(teamId, uid).get()).data()?.role;
  assert(created !== undefined, noSuchTeam());
  return created;
}

/** 403 for a role below `minimum`: the member is known, the action is not theirs. */
export function assertRole(role: Role, minimum: Role): void {
  assert(
    roleAtLeast(role, minimum),
    new PermissionDenied("ROLE_TOO_LOW", `This needs the ${minimum} role or higher in the team.`),
  );
}
