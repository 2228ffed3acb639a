/**
 * Firebase for the Studio: the app, and Auth with local persistence. Served from a loopback host
 * it is the local stack, so it uses the demo project and the Auth emulator; anywhere else it
 * reads the project's config from Hosting's reserved `/__/firebase/init.json`.
 */
import { initializeApp, type FirebaseOptions } from "firebase/app";
import {
  browserLocalPersistence,
  connectAuthEmulator,
  indexedDBLocalPersistence,
  initializeAuth,
  type Auth,
} from "firebase/auth";

/** The local stack's demo project (nothing reaches Google). */
export const LOCAL_FIREBASE_CONFIG: FirebaseOptions = {
  apiKey: "fake-api-key",
  projectId: "demo-runnerplane",
  authDomain: "demo-runnerplane.firebaseapp.com",
};
export const AUTH_EMULATOR_URL = "http://127.0.0.1:9099";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

export function isLocalStack(hostname: string = location.hostname): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

async function loadConfig(): Promise<FirebaseOptions> {
  if (isLocalStack()) return LOCAL_FIREBASE_CONFIG;
  const response = await fetch("/__/firebase/init.json");
  if (!response.ok)
    throw new Error(`This site has no Firebase configuration (/__/firebase/init.json answered ${response.status}).`);
  return (await response.json()) as FirebaseOptions;
}

/** Starts Firebase Auth once; the page waits for this before showing anything signed in. */
export async function startAuth(): Promise<Auth> {
  const app = initializeApp(await loadConfig());
  // initializeAuth without a popup/redirect resolver keeps those flows (unused here) out of the bundle.
  const auth = initializeAuth(app, { persistence: [indexedDBLocalPersistence, browserLocalPersistence] });
  // The emulator's own banner covers the page's foot; the header shows "local stack" instead.
  if (isLocalStack()) connectAuthEmulator(auth, AUTH_EMULATOR_URL, { disableWarnings: true });
  return auth;
}
