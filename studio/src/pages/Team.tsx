/** The current team: members and roles, invitations with a copyable accept link, runner tokens shown once. */
import { useState } from "preact/hooks";
import { api } from "../api";
import type { RunnerTokenView, TeamInvitation, TeamMember, TeamRole, TeamSummary } from "../apiTypes";
import { useAction, useResource } from "../hooks";
import { navigate } from "../router";
import { Webhooks } from "./Webhooks";
import { acceptLink, activeTeam, loadTeams, switchTeam } from "../teams";
import { ConfirmButton, CopyButton, Empty, ErrorNote, Loading, SecretReveal, Section, When } from "../ui";

const ROLES: TeamRole[] = ["viewer", "member", "admin", "owner"];
const isAdmin = (role: TeamRole) => role === "admin" || role === "owner";

export function TeamPage() {
  const teams = useResource(loadTeams, []);
  const team = teams.data === undefined ? undefined : activeTeam(teams.data);
  return (
    <>
      <h1>Team{team !== undefined && `: ${team.name}`}</h1>
      <ErrorNote error={teams.error} onRetry={teams.reload} />
      {team === undefined ? (
        teams.error === null && <Loading what="your teams" />
      ) : (
        <TeamDetail key={team.teamId} team={team} />
      )}
      <NewTeam />
    </>
  );
}

function TeamDetail({ team }: { team: TeamSummary }) {
  const base = `/teams/${encodeURIComponent(team.teamId)}`;
  return (
    <>
      <p class="muted">
        You are <strong>{team.role}</strong> here{team.personal && " (your personal team)"}.
      </p>
      <Members base={base} team={team} />
      {isAdmin(team.role) && <Invitations base={base} team={team} />}
      <RunnerTokens base={base} team={team} />
      <Webhooks base={base} team={team} />
    </>
  );
}

function Members({ base, team }: { base: string; team: TeamSummary }) {
  const list = useResource(() => api<{ members: TeamMember[] }>("GET", `${base}/members`), [base]);
  const change = useAction(async (uid: string, role: TeamRole) => {
    await api("PATCH", `${base}/members/${encodeURIComponent(uid)}`, { role });
    list.reload();
  });
  const remove = useAction(async (uid: string) => {
    await api("DELETE", `${base}/members/${encodeURIComponent(uid)}`);
    list.reload();
  });
  return (
    <Section title="Members">
      <ErrorNote error={list.error ?? change.error ?? remove.error} onRetry={list.reload} />
      {list.data === undefined ? (
        list.error === null && <Loading what="members" />
      ) : (
        <table aria-label="Members">
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>Joined</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.members.map((m) => (
              <tr key={m.uid}>
                <td>{m.email ?? m.uid}</td>
                <td>
                  {isAdmin(team.role) ? (
                    <select
                      aria-label={`Role of ${m.email ?? m.uid}`}
                      value={m.role}
                      disabled={change.busy}
                      onChange={(e) => void change.run(m.uid, e.currentTarget.value as TeamRole)}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  ) : (
                    m.role
                  )}
                </td>
                <td>
                  <When iso={m.joinedAt} />
                </td>
                <td>
                  {isAdmin(team.role) && !team.personal && (
                    <ConfirmButton
                      label="Remove"
                      confirmLabel="Really remove"
                      busy={remove.busy}
                      onConfirm={() => void remove.run(m.uid)}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function Invitations({ base, team }: { base: string; team: TeamSummary }) {
  const list = useResource(() => api<{ invitations: TeamInvitation[] }>("GET", `${base}/invitations`), [base]);
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<TeamRole>("member");
  const [made, setMade] = useState<TeamInvitation | null>(null);
  const invite = useAction(async () => {
    setMade(await api<TeamInvitation>("POST", `${base}/invitations`, { email: email.trim(), role }));
    setEmail("");
    list.reload();
  });
  const revoke = useAction(async (id: string) => {
    await api("DELETE", `${base}/invitations/${encodeURIComponent(id)}`);
    list.reload();
  });
  return (
    <Section title="Invitations">
      <form
        class="stack-form"
        aria-label="Invite someone"
        onSubmit={(e) => {
          e.preventDefault();
          void invite.run();
        }}
      >
        <label>
          Email
          <input type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as TeamRole)}>
            {ROLES.filter((r) => r !== "owner" || team.role === "owner").map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <ErrorNote error={invite.error ?? revoke.error} />
        <div class="actions">
          <button type="submit" disabled={invite.busy}>
            {invite.busy ? "Inviting…" : "Invite"}
          </button>
        </div>
      </form>
      {made !== null && (
        <div class="secret" role="region" aria-label="Accept link">
          <p>Send this link to {made.email}; they accept it signed in with that email, within 7 days.</p>
          <div class="secret-row">
            <input
              class="secret-value mono"
              readOnly
              aria-label="Accept link"
              value={acceptLink(made.teamId, made.invitationId)}
            />
            <CopyButton text={acceptLink(made.teamId, made.invitationId)} />
          </div>
        </div>
      )}
      {list.data !== undefined && list.data.invitations.length > 0 && (
        <ul class="plain" aria-label="Invitations">
          {list.data.invitations.map((i) => (
            <li key={i.invitationId}>
              {i.email} as {i.role}: {i.status} (expires <When iso={i.expiresAt} />){" "}
              {i.status === "pending" && (
                <ConfirmButton
                  label="Revoke"
                  confirmLabel="Really revoke"
                  busy={revoke.busy}
                  onConfirm={() => void revoke.run(i.invitationId)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function RunnerTokens({ base, team }: { base: string; team: TeamSummary }) {
  const list = useResource(() => api<{ tokens: RunnerTokenView[] }>("GET", `${base}/runner-tokens`), [base]);
  const [name, setName] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const mint = useAction(async () => {
    const made = await api<{ token: string }>("POST", `${base}/runner-tokens`, {
      name: name.trim(),
      scopes: ["jobs:read", "jobs:write", "runners:read"],
    });
    setSecret(made.token);
    setName("");
    list.reload();
  });
  const revoke = useAction(async (id: string) => {
    await api("DELETE", `${base}/runner-tokens/${encodeURIComponent(id)}`);
    list.reload();
  });
  const tokens = list.data?.tokens.filter((t) => t.revokedAt === null);
  return (
    <Section title="Runner tokens">
      {isAdmin(team.role) && (
        <form
          class="stack-form"
          aria-label="Create a runner token"
          onSubmit={(e) => {
            e.preventDefault();
            void mint.run();
          }}
        >
          <label>
            Name
            <input required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <ErrorNote error={mint.error ?? revoke.error} />
          <div class="actions">
            <button type="submit" disabled={mint.busy}>
              {mint.busy ? "Creating…" : "Create runner token"}
            </button>
          </div>
        </form>
      )}
      {secret !== null && <SecretReveal label="runner token" secret={secret} onDismiss={() => setSecret(null)} />}
      {tokens === undefined ? (
        list.error === null && <Loading what="runner tokens" />
      ) : tokens.length === 0 ? (
        <Empty title="No runner tokens yet." />
      ) : (
        <ul class="plain" aria-label="Runner tokens">
          {tokens.map((t) => (
            <li key={t.tokenId}>
              {t.name} · created <When iso={t.createdAt} />{" "}
              {isAdmin(team.role) && (
                <ConfirmButton
                  label="Revoke"
                  confirmLabel="Really revoke"
                  busy={revoke.busy}
                  onConfirm={() => void revoke.run(t.tokenId)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function NewTeam() {
  const [name, setName] = useState("");
  const create = useAction(async () => {
    const team = await api<TeamSummary>("POST", "/teams", { name: name.trim() });
    switchTeam(team.teamId);
  });
  return (
    <Section title="New team">
      <form
        class="stack-form"
        aria-label="Create a team"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <label>
          Name
          <input required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <ErrorNote error={create.error} />
        <div class="actions">
          <button type="submit" disabled={create.busy}>
            Create team
          </button>
        </div>
      </form>
    </Section>
  );
}

/** `/accept/:teamId/:invitationId`: the invitee, signed in, joins the team and switches to it. */
export function AcceptPage({ teamId, invitationId }: { teamId: string; invitationId: string }) {
  const accept = useAction(async () => {
    await api("POST", `/teams/${encodeURIComponent(teamId)}/invitations/${encodeURIComponent(invitationId)}/accept`);
    switchTeam(teamId);
    navigate("/runners");
  });
  return (
    <>
      <h1>Join a team</h1>
      <p>You were invited to a team. Accepting adds you with the role you were invited with.</p>
      <ErrorNote error={accept.error} />
      <button type="button" disabled={accept.busy} onClick={() => void accept.run()}>
        Accept invitation
      </button>
    </>
  );
}
