/**
 * `npm run dev:token -- --tenant <uuid> --user <id> [--ttl 3600]`: prints a Control Plane JWT
 * (seed 000) signed with the local stack's dev key, for trying the Coderunner face by hand.
 */
import { createPrivateKey } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT } from "jose";
import { parseCli } from "./cli";
import { DEV_KEY_DIR } from "./stack";

const USAGE = `
Usage: npm run dev:token -- --tenant <uuid> --user <id> [--ttl <seconds>]

Prints a Control Plane JWT (seed 000, RS256) signed with the local stack's dev key, for calling
the Coderunner face by hand. The key is made by the first \`npm start\` under .runnerplane/.

  --tenant     the tenant id, sent as x-client-key (required)
  --user       the user id, sent as x-userid (required)
  --ttl        lifetime in seconds (default 3600)
  -h, --help   this text
`;

async function main(): Promise<void> {
  const values = parseCli(USAGE, {
    tenant: { type: "string" },
    user: { type: "string" },
    ttl: { type: "string", default: "3600" },
  });
  if (values.tenant === undefined || values.user === undefined)
    throw new Error(`--tenant and --user are required\n\n${USAGE.trim()}`);
  const keyPath = join(DEV_KEY_DIR, "control-plane.private.pem");
  if (!existsSync(keyPath)) throw new Error("No dev key yet: run `npm start` once; it makes one.");
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error("--ttl takes a positive number of seconds");
  const token = await new SignJWT({ external_tenant_id: values.tenant, external_user_id: values.user })
    .setProtectedHeader({ alg: "RS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(`${ttl}s`)
    .setSubject(values.user)
    .sign(createPrivateKey(readFileSync(keyPath, "utf8")));
  process.stdout.write(`${token}\n`);
  process.stderr.write(
    `Send it with: -H "Authorization: Bearer <token>" -H "x-client-key: ${values.tenant}" -H "x-userid: ${values.user}"\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
