import { getApps, initializeApp, type App } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";

let instance: Firestore | undefined;

/** The process-wide Admin SDK app (project and emulator hosts come from the environment). */
export function adminApp(): App {
  return getApps()[0] ?? initializeApp();
}

/**
 * The process-wide Firestore handle. Locally `FIRESTORE_EMULATOR_HOST` points it at the offline
 * Firestore (or the official emulator); in production it is the project's database.
 */
export function db(): Firestore {
  if (instance === undefined) {
    instance = getFirestore(adminApp());
    instance.settings({ ignoreUndefinedProperties: true });
  }
  return instance;
}
