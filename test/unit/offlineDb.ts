/**
 * An offline Firestore in this process for unit tests of the core: a fresh Admin SDK app
 * pointed at it, torn down after. The project's indexes are loaded, so a query that would need
 * an undeclared index fails here as in production.
 */
import { deleteApp, getApps } from "firebase-admin/app";
import { startOfflineFirestore, type OfflineFirestore } from "../../firestore-offline/src/index";

export interface OfflineDb {
  stop(): Promise<void>;
}

export async function startOfflineDb(): Promise<OfflineDb> {
  const firestore: OfflineFirestore = await startOfflineFirestore({ port: 0, indexes: "firestore.indexes.json" });
  const saved = process.env.FIRESTORE_EMULATOR_HOST;
  // db() keeps one handle per app: a new app makes it connect here.
  await Promise.all(getApps().map((app) => deleteApp(app)));
  process.env.FIRESTORE_EMULATOR_HOST = `127.0.0.1:${firestore.port}`;
  process.env.GCLOUD_PROJECT ??= "demo-runnerplane";
  return {
    stop: async () => {
      await Promise.all(getApps().map((app) => deleteApp(app)));
      await firestore.stop();
      if (saved === undefined) delete process.env.FIRESTORE_EMULATOR_HOST;
      else process.env.FIRESTORE_EMULATOR_HOST = saved;
    },
  };
}

/** Sets env params for one test and puts them back after. */
export function withEnv(values: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  Object.assign(process.env, values);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}
