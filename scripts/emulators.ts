/**
 * `npm run emulators`: the standard Firebase path. `firebase emulators:start` with every emulator
 * firebase.json names (the official Firestore emulator needs Java 21), importing and exporting
 * emulator-data/, under the deployed config with the Studio's CSP opened to the Auth emulator
 * (the same local config `npm start` uses). Extra arguments go to firebase-tools.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hasExport } from "./emulatorData";
import { LOCAL_CONFIG_FILE, localFirebaseConfig, PROJECT_ID, ROOT } from "./stack";

const USAGE = `
Usage: npm run emulators [-- <firebase emulators:start options>]

Builds, then runs \`firebase emulators:start\` from this project (the official emulators, Java 21
for Firestore), importing emulator-data/ when it holds an export and exporting to it on exit.
Scheduled functions do not fire by themselves here: run \`npm run scheduler\` beside it.
Without Java: \`npm start\` (docs/local-stack.md).
`;

if (process.argv.includes("--help") || process.argv.includes("-h")) {
  process.stdout.write(`${USAGE.trim()}\n`);
  process.exit(0);
}
const dataDir = join(ROOT, "emulator-data");
writeFileSync(join(ROOT, LOCAL_CONFIG_FILE), localFirebaseConfig(readFileSync(join(ROOT, "firebase.json"), "utf8")));
const args = ["emulators:start", "--project", PROJECT_ID, "--config", LOCAL_CONFIG_FILE, "--export-on-exit", dataDir];
if (hasExport(dataDir)) args.push("--import", dataDir);
const result = spawnSync(join(ROOT, "node_modules", ".bin", "firebase"), [...args, ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
