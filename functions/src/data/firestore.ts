import { getApps, initializeApp } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";

let instance: Firestore | undefined;

/**
 * The process-wide Firestore handle. Locally `FIRESTORE_EMULATOR_HOST` points it at the offline
 * Firestore (or the official emulator); in production it is the project's database.
 */
export function db(): Firestore {
  if (instance === undefined) {
    const app = getApps()[0] ?? initializeApp();
    instance = getFirestore(app);
    instance.settings({ ignoreUndefinedProperties: true });
  }
  return instance;
}
