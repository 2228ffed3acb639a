import { credentials, teamCredentials } from "../../data/credentials";
import { SCOPES, type Scope } from "../../data/collections";
import { assert, NotFound } from "../../http/errors";
import { createCredential } from "../credentials/createCredential";
import { MAX_LISTED_CREDENTIALS, toView } from "../credentials/listCredentials";
import { revokeCredential } from "../credentials/manageCredential";
import type { Owner } from "./owner";

/**
 * A runner token is an API key of the team with `runners:write` plus whatever else was asked
 * (jobs scopes, typically): what a CLI or hybrid runner needs after `POST /auth/login`.
 */
export async function mintRunnerToken(owner: Owner, name: string, asked: readonly Scope[], now: Date) {
  const scopes = SCOPES.filter((s) => s === "runners:write" || asked.includes(s));
  const created = await createCredential(
    { kind: "apiKey", scopes, name, ownerUid: owner.uid, teamId: owner.teamId, runnerToken: true },
    now,
  );
  return { tokenId: created.credentialId, token: created.token, name, scopes, createdAt: now.toISOString() };
}

/** The team's runner tokens, newest first, without secrets. */
export async function listRunnerTokens(teamId: string) {
  const snap = await teamCredentials(teamId, "apiKey").limit(MAX_LISTED_CREDENTIALS).get();
  return snap.docs
    .filter((d) => d.data().runnerToken === true)
    .map((d) => {
      const { credentialId, ...view } = toView(d.id, d.data());
      return { tokenId: credentialId, ...view };
    });
}

/** Revokes one of the team's runner tokens; its next call fails. Others' tokens are 404. */
export async function revokeRunnerToken(teamId: string, tokenId: string, now: Date): Promise<void> {
  const snap = await credentials().doc(tokenId).get();
  const doc = snap.data();
  assert(
    doc !== undefined && doc.runnerToken === true && doc.teamId === teamId,
    new NotFound("RUNNER_TOKEN_NOT_FOUND", "No such runner token."),
  );
  await revokeCredential(snap, now);
}
