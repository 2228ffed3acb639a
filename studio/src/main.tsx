/** The Studio: auth gate, shell (header and navigation) and routes. */
import { onAuthStateChanged, signOut, type Auth, type User } from "firebase/auth";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { getCurrentTeam, setTokenSource } from "./api";
import { forgetControlPlane } from "./controlPlaneSession";
import { isLocalStack, startAuth } from "./firebase";
import { CodePage } from "./pages/Code";
import { JobPage } from "./pages/Job";
import { JobsPage } from "./pages/Jobs";
import { OverviewPage } from "./pages/Overview";
import { ProposalsPage } from "./pages/Proposals";
import { IntakePage } from "./pages/Intake";
import { RunnersPage } from "./pages/Runners";
import { SignIn } from "./pages/SignIn";
import { AcceptPage, TeamPage } from "./pages/Team";
import { WorkspacePage } from "./pages/Workspace";
import { WorkspacesPage } from "./pages/Workspaces";
import { match, navigate, useRoute } from "./router";
import { activeTeam, loadTeams, switchTeam, TEAM_CHANGED } from "./teams";
import { useResource } from "./hooks";
import { Empty, Link, Loading } from "./ui";
import "./styles.css";

const NAV = [
  { to: "/overview", label: "Overview" },
  { to: "/runners", label: "Runners" },
  { to: "/jobs", label: "Jobs" },
  { to: "/new", label: "New run" },
  { to: "/workspaces", label: "Workspaces" },
  { to: "/proposals", label: "Proposals" },
  { to: "/code", label: "Code" },
  { to: "/team", label: "Team" },
] as const;

/** The header's team switcher: every page acts in the team chosen here. */
function TeamSwitcher({ version }: { version: number }) {
  const teams = useResource(loadTeams, [version]);
  const list = teams.data;
  useEffect(() => {
    // A team this user is not (or no longer) in: back to the personal team.
    const chosen = getCurrentTeam();
    if (list !== undefined && chosen !== null && !list.some((t) => t.teamId === chosen)) switchTeam(null);
  }, [list]);
  if (list === undefined || list.length === 0) return null;
  const active = activeTeam(list);
  return (
    <select
      aria-label="Team"
      value={active?.teamId}
      onChange={(e) =>
        switchTeam(
          list.find((t) => t.teamId === e.currentTarget.value)?.personal === true ? null : e.currentTarget.value,
        )
      }
    >
      {list.map((t) => (
        <option key={t.teamId} value={t.teamId}>
          {t.personal ? "Personal" : t.name} ({t.role})
        </option>
      ))}
    </select>
  );
}

function Page({ path }: { path: string }) {
  let params: Record<string, string> | null;
  if (path === "/" || path === "") return null; // redirected below
  if (match("/overview", path) !== null) return <OverviewPage />;
  if (match("/runners", path) !== null) return <RunnersPage />;
  if (match("/jobs", path) !== null) return <JobsPage />;
  if ((params = match("/jobs/:id", path)) !== null) return <JobPage key={params.id} jobId={params.id ?? ""} />;
  if (match("/workspaces", path) !== null) return <WorkspacesPage />;
  if ((params = match("/workspaces/:id", path)) !== null)
    return <WorkspacePage key={params.id} workspaceId={params.id ?? ""} />;
  if (match("/proposals", path) !== null) return <ProposalsPage />;
  if (match("/new", path) !== null) return <IntakePage />;
  if (match("/code", path) !== null) return <CodePage />;
  if (match("/team", path) !== null) return <TeamPage />;
  if ((params = match("/accept/:teamId/:invitationId", path)) !== null)
    return <AcceptPage teamId={params.teamId ?? ""} invitationId={params.invitationId ?? ""} />;
  return (
    <Empty title="There is no page here.">
      <p>
        <Link to="/runners">Go to Runners</Link>
      </p>
    </Empty>
  );
}

function Shell({ auth, user }: { auth: Auth; user: User }) {
  const path = useRoute();
  useEffect(() => {
    if (path === "/" || path === "") navigate("/overview", { replace: true });
  }, [path]);
  const section = `/${path.split("/")[1] ?? ""}`;
  // A team switch remounts the page, so everything on it is loaded again in the new team.
  const [teamVersion, setTeamVersion] = useState(0);
  useEffect(() => {
    const changed = () => setTeamVersion((v) => v + 1);
    addEventListener(TEAM_CHANGED, changed);
    return () => removeEventListener(TEAM_CHANGED, changed);
  }, []);
  return (
    <>
      <header class="topbar">
        <div class="brand">
          <Link to="/runners">Runnerplane</Link>
          <span class="brand-sub">Studio</span>
          {isLocalStack() && <span class="chip local">local stack</span>}
        </div>
        <nav aria-label="Sections">
          {NAV.map((n) => (
            <Link key={n.to} to={n.to} class={section === n.to ? "active" : undefined} current={section === n.to}>
              {n.label}
            </Link>
          ))}
        </nav>
        <div class="who">
          <TeamSwitcher version={teamVersion} />
          <span class="user-email" title={user.email ?? user.uid}>
            {user.email ?? user.uid}
          </span>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              // The Code page's Control Plane token belongs to this session: it goes with it.
              forgetControlPlane();
              void signOut(auth);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main class="content">
        <Page key={teamVersion} path={path} />
      </main>
    </>
  );
}

function App({ auth }: { auth: Auth }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  useEffect(
    () =>
      onAuthStateChanged(auth, (next) => {
        // The SDK caches the ID token and refreshes it before it expires.
        setTokenSource(next === null ? null : () => next.getIdToken());
        setUser(next);
      }),
    [auth],
  );
  if (user === undefined) {
    return (
      <main class="content">
        <Loading what="your session" />
      </main>
    );
  }
  return user === null ? <SignIn auth={auth} /> : <Shell key={user.uid} auth={auth} user={user} />;
}

const root = document.getElementById("app");
if (root !== null) {
  startAuth().then(
    (auth) => render(<App auth={auth} />, root),
    (error: unknown) =>
      render(
        <main class="content">
          <div class="error" role="alert">
            The Studio could not start: {error instanceof Error ? error.message : String(error)}
          </div>
        </main>,
        root,
      ),
  );
}
