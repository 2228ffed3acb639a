import { getApps, initializeApp, type App } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";

let instance: { app: App; firestore: Firestore } | undefined;

/**
 * The process-wide default Admin SDK app (project and emulator hosts come from the environment).
 * By name, not the first app: a process that also holds named apps (a test process serving the
 * functions beside its own harness app) must not borrow one of them.
 */
export function adminApp(): App {
  return getApps().find((app) => app.name === "[DEFAULT]") ?? initializeApp();
}

/**
 * The process-wide Firestore handle. Locally `FIRESTORE_EMULATOR_HOST` points it at the offline
 * Firestore (or the official emulator); in production it is the project's database.
 */
export function db(): Firestore {
  const app = adminApp();
  // A handle is kept per app: one whose app was deleted (tests do) is never handed out again.
  if (instance?.app !== app) {
    const firestore = getFirestore(app);
    firestore.settings({ ignoreUndefinedProperties: true });
    instance = { app, firestore };
  }
  return instance.firestore;
}
