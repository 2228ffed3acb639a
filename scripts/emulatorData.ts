/**
 * `emulator-data/` in the official Firebase export layout, so that `npm start` and
 * `firebase emulators:start --import emulator-data --export-on-exit emulator-data` share it:
 *
 *   firebase-export-metadata.json   which emulators' data is here (firebase-tools reads it)
 *   auth_export/                    Auth users and config, the official format (both paths)
 *   firestore_export/               documents.json: the offline Firestore's data (npm start);
 *                                   the official emulator's own export files when it wrote them
 *
 * The stack exports Auth itself, through the Auth emulator's own export endpoints, every few
 * seconds and on stop, rather than with firebase-tools' `--export-on-exit` (which replaces the
 * whole directory on exit and only then): the files the other path wrote stay where they are,
 * and when the stack is killed its watchdog (scripts/watchdog.ts) exports Auth from the
 * still-running emulator before it stops it. The offline Firestore journals every commit beside
 * its documents.json (firestore-offline/src/journal.ts). The metadata names `firestore` only while
 * the official emulator's export is present, so the Java emulator never tries to read the
 * offline Firestore's JSON, and firebase-tools never offers it one.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const METADATA_FILE = "firebase-export-metadata.json";
export const AUTH_DIR = "auth_export";
export const FIRESTORE_DIR = "firestore_export";
const OFFICIAL_FIRESTORE_METADATA = `${FIRESTORE_DIR}/${FIRESTORE_DIR}.overall_export_metadata`;

interface ExportMetadata {
  version: string;
  firestore?: { version: string; path: string; metadata_file: string };
  auth?: { version: string; path: string };
  [other: string]: unknown;
}

/** Where the offline Firestore keeps its documents.json. */
export function firestoreDataDir(dataDir: string): string {
  return join(dataDir, FIRESTORE_DIR);
}

/** True when firebase-tools has something to import (`--import` refuses a dir without metadata). */
export function hasExport(dataDir: string): boolean {
  return existsSync(join(dataDir, METADATA_FILE));
}

/**
 * Moves data from the layout before this one (`firebase/` for firebase-tools, `firestore/` for
 * the offline Firestore) into the official one, once. Nothing is deleted.
 */
export function migrateOldLayout(dataDir: string, log: (line: string) => void): void {
  const oldAuth = join(dataDir, "firebase", AUTH_DIR);
  const oldFirestore = join(dataDir, "firestore");
  if (existsSync(oldAuth) && !existsSync(join(dataDir, AUTH_DIR))) {
    renameSync(oldAuth, join(dataDir, AUTH_DIR));
    writeMetadata(dataDir, readVersion(join(dataDir, "firebase", METADATA_FILE)));
    log(`emulator-data: moved firebase/${AUTH_DIR} to ${AUTH_DIR} (official layout)`);
  }
  if (existsSync(join(oldFirestore, "documents.json")) && !existsSync(join(dataDir, FIRESTORE_DIR, "documents.json"))) {
    mkdirSync(join(dataDir, FIRESTORE_DIR), { recursive: true });
    renameSync(join(oldFirestore, "documents.json"), join(dataDir, FIRESTORE_DIR, "documents.json"));
    log(`emulator-data: moved firestore/documents.json to ${FIRESTORE_DIR}/ (official layout)`);
  }
}

/**
 * Writes the Auth emulator's users and config as firebase-tools' export does (same endpoints,
 * same files), each file atomically, then the metadata.
 */
export async function exportAuth(
  dataDir: string,
  authOrigin: string,
  projectId: string,
  cliVersion: string,
): Promise<number> {
  const get = async (path: string) => {
    const response = await fetch(`${authOrigin}${path}`, { headers: { authorization: "Bearer owner" } });
    if (!response.ok) throw new Error(`Auth emulator export ${path}: ${response.status}`);
    return (await response.json()) as { users?: unknown[] };
  };
  const [accounts, config] = await Promise.all([
    get(`/identitytoolkit.googleapis.com/v1/projects/${projectId}/accounts:batchGet?maxResults=-1`),
    get(`/emulator/v1/projects/${projectId}/config`),
  ]);
  const dir = join(dataDir, AUTH_DIR);
  mkdirSync(dir, { recursive: true });
  writeAtomically(join(dir, "accounts.json"), JSON.stringify(accounts));
  writeAtomically(join(dir, "config.json"), JSON.stringify(config));
  writeMetadata(dataDir, cliVersion);
  return accounts.users?.length ?? 0;
}

function writeMetadata(dataDir: string, cliVersion: string): void {
  const path = join(dataDir, METADATA_FILE);
  const previous = existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as ExportMetadata) : undefined;
  const metadata: ExportMetadata = {
    ...previous,
    version: previous?.version ?? cliVersion,
    auth: { version: cliVersion, path: AUTH_DIR },
  };
  // Only the official emulator's own export is offered to it; ours is not its format.
  if (!existsSync(join(dataDir, OFFICIAL_FIRESTORE_METADATA))) delete metadata.firestore;
  writeAtomically(path, `${JSON.stringify(metadata, null, 2)}\n`);
}

function readVersion(path: string): string {
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as ExportMetadata).version;
  } catch {
    return "unknown";
  }
}

function writeAtomically(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}
