/** The signed-in user's teams and the one the Studio acts in (shared by the header and the Team page). */
import { api, getCurrentTeam, setCurrentTeam } from "./api";
import type { TeamSummary } from "./apiTypes";

export async function loadTeams(): Promise<TeamSummary[]> {
  return (await api<{ teams: TeamSummary[] }>("GET", "/teams")).teams;
}

/** The team in use: the chosen one while the user is still in it, else the personal team. */
export function activeTeam(teams: TeamSummary[]): TeamSummary | undefined {
  const chosen = getCurrentTeam();
  return teams.find((t) => t.teamId === chosen) ?? teams.find((t) => t.personal);
}

/** Switches every later call to `teamId` (null: personal) and tells the shell to reload pages. */
export function switchTeam(teamId: string | null): void {
  setCurrentTeam(teamId);
  dispatchEvent(new CustomEvent(TEAM_CHANGED));
}

export const TEAM_CHANGED = "runnerplane:team-changed";

/** The Studio link an invitee opens to accept. */
export function acceptLink(teamId: string, invitationId: string): string {
  return `${location.origin}${import.meta.env.BASE_URL}accept/${encodeURIComponent(teamId)}/${encodeURIComponent(invitationId)}`;
}
