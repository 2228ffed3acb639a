/** Users in the local stack's Auth emulator, for the scripts (dev:user, demo). */
import { PORTS } from "./stack";

const AUTH = `http://127.0.0.1:${PORTS.auth}/identitytoolkit.googleapis.com/v1`;

/** Signs the user in if it exists, else signs it up; answers its uid and a fresh ID token. */
export async function signInOrUp(email: string, password: string): Promise<{ localId: string; idToken: string }> {
  for (const verb of ["accounts:signInWithPassword", "accounts:signUp"]) {
    const response = await fetch(`${AUTH}/${verb}?key=fake-api-key`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password, returnSecureToken: true }),
    });
    const body = (await response.json()) as { localId?: string; idToken?: string };
    if (response.ok && body.localId !== undefined && body.idToken !== undefined) {
      return { localId: body.localId, idToken: body.idToken };
    }
  }
  throw new Error(`Could not sign in or sign up ${email}: is \`npm start\` running?`);
}
