import { FirebaseError } from "firebase/app";
import { signInWithEmailAndPassword, type Auth } from "firebase/auth";
import { useState } from "preact/hooks";
import { isLocalStack } from "../firebase";

/** Firebase Auth error codes, in words a person can act on. */
export function signInError(error: unknown): string {
  const code = error instanceof FirebaseError ? error.code : "";
  switch (code) {
    case "auth/invalid-credential":
    case "auth/invalid-login-credentials":
    case "auth/wrong-password":
    case "auth/user-not-found":
      return "That email and password don't match an account.";
    case "auth/invalid-email":
      return "That isn't a valid email address.";
    case "auth/missing-password":
      return "Enter your password.";
    case "auth/user-disabled":
      return "This account is disabled.";
    case "auth/too-many-requests":
      return "Too many attempts. Wait a moment and try again.";
    case "auth/network-request-failed":
      return isLocalStack()
        ? "Couldn't reach the sign-in service. Is the local stack (npm start) running?"
        : "Couldn't reach the sign-in service. Check your connection.";
    default:
      return code === "" ? "Sign-in failed." : `Sign-in failed (${code}).`;
  }
}

export function SignIn({ auth }: { auth: Auth }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signInWithEmailAndPassword(auth, email.trim(), password);
    } catch (e) {
      setError(signInError(e));
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <form class="panel signin-card" onSubmit={(e) => void submit(e)} aria-label="Sign in">
        <h1>Runnerplane Studio</h1>
        <p class="muted">Sign in to manage your runners, jobs and workspaces.</p>
        <label>
          Email
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        {error !== null && (
          <div class="error" role="alert">
            {error}
          </div>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        {isLocalStack() && (
          <p class="hint">
            Local stack: make a user with <code>npm run dev:user -- --email you@example.com</code> (password{" "}
            <code>password-123</code>).
          </p>
        )}
      </form>
    </main>
  );
}
