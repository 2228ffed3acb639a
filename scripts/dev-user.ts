/**
 * `npm run dev:user -- --email you@example.com [--password secret123] [--admin]`: makes (or signs
 * in) a user in the running stack's Auth emulator, optionally an admin, and prints an ID token.
 */
import { initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { parseCli } from "./cli";
import { signInOrUp } from "./devUsers";
import { PORTS, PROJECT_ID } from "./stack";

const USAGE = `
Usage: npm run dev:user -- --email <email> [--password <password>] [--admin]

Makes a user in the running stack's Auth emulator (or signs it in if it exists) and prints its
uid and a Firebase ID token as JSON. Needs \`npm start\` (or \`npm run demo\`) running.

  --email      the user's email (required)
  --password   default password-123
  --admin      also make the user a platform admin (admins/<uid>; global runner instances)
  -h, --help   this text
`;

async function main(): Promise<void> {
  const values = parseCli(USAGE, {
    email: { type: "string" },
    password: { type: "string", default: "password-123" },
    admin: { type: "boolean", default: false },
  });
  if (values.email === undefined) throw new Error(`--email is required\n\n${USAGE.trim()}`);
  const user = await signInOrUp(values.email, values.password);
  if (values.admin) {
    process.env.FIRESTORE_EMULATOR_HOST ??= `127.0.0.1:${PORTS.firestore}`;
    await getFirestore(initializeApp({ projectId: PROJECT_ID }))
      .collection("admins")
      .doc(user.localId)
      .set({ createdAt: new Date() });
  }
  console.log(
    JSON.stringify({ uid: user.localId, email: values.email, admin: values.admin, idToken: user.idToken }, null, 2),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
