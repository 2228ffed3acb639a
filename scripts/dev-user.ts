/**
 * `npm run dev:user -- --email you@example.com [--password secret123] [--admin]`: makes (or signs
 * in) a user in the running stack's Auth emulator, optionally an admin, and prints an ID token.
 */
import { parseArgs } from "node:util";
import { initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { PORTS, PROJECT_ID } from "./stack";

const AUTH = `http://127.0.0.1:${PORTS.auth}/identitytoolkit.googleapis.com/v1`;

async function signInOrUp(email: string, password: string): Promise<{ localId: string; idToken: string }> {
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      email: { type: "string" },
      password: { type: "string", default: "password-123" },
      admin: { type: "boolean", default: false },
    },
  });
  if (values.email === undefined) throw new Error("usage: npm run dev:user -- --email <email> [--password p] [--admin]");
  const user = await signInOrUp(values.email, values.password);
  if (values.admin) {
    process.env.FIRESTORE_EMULATOR_HOST ??= `127.0.0.1:${PORTS.firestore}`;
    await getFirestore(initializeApp({ projectId: PROJECT_ID })).collection("admins").doc(user.localId).set({ createdAt: new Date() });
  }
  console.log(JSON.stringify({ uid: user.localId, email: values.email, admin: values.admin, idToken: user.idToken }, null, 2));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
