import { getApps, initializeApp, type App } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";

let instance: { app: App; firestore: Firestore } | undefined;

/** The process-wide Admin SDK app (project and emulator hosts come from the environment). */
export function adminApp(): App {
  return getApps()[0] ?? initializeApp();
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
