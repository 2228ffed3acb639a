/** The Studio: auth gate, shell (header and navigation) and routes. */
import { onAuthStateChanged, signOut, type Auth, type User } from "firebase/auth";
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { setTokenSource } from "./api";
import { forgetControlPlane } from "./controlPlaneSession";
import { isLocalStack, startAuth } from "./firebase";
import { CodePage } from "./pages/Code";
import { JobPage } from "./pages/Job";
import { JobsPage } from "./pages/Jobs";
import { RunnersPage } from "./pages/Runners";
import { SignIn } from "./pages/SignIn";
import { WorkspacePage } from "./pages/Workspace";
import { WorkspacesPage } from "./pages/Workspaces";
import { match, navigate, useRoute } from "./router";
import { Empty, Link, Loading } from "./ui";
import "./styles.css";

const NAV = [
  { to: "/runners", label: "Runners" },
  { to: "/jobs", label: "Jobs" },
  { to: "/workspaces", label: "Workspaces" },
  { to: "/code", label: "Code" },
] as const;

function Page({ path }: { path: string }) {
  let params: Record<string, string> | null;
  if (path === "/" || path === "") return null; // redirected below
  if (match("/runners", path) !== null) return <RunnersPage />;
  if (match("/jobs", path) !== null) return <JobsPage />;
  if ((params = match("/jobs/:id", path)) !== null) return <JobPage key={params.id} jobId={params.id ?? ""} />;
  if (match("/workspaces", path) !== null) return <WorkspacesPage />;
  if ((params = match("/workspaces/:id", path)) !== null) return <WorkspacePage key={params.id} workspaceId={params.id ?? ""} />;
  if (match("/code", path) !== null) return <CodePage />;
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
    if (path === "/" || path === "") navigate("/runners", { replace: true });
  }, [path]);
  const section = `/${path.split("/")[1] ?? ""}`;
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
        <Page path={path} />
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
