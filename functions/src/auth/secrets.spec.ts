import assert from "node:assert/strict";
import { newCredentialId, newSecret } from "./secrets";

describe("credential ids and secrets", () => {
  it("a credential id (the start of every token) never begins with '-' or '_', so a CLI never reads a token as an option", () => {
    // Plain base64url starts one id in 32 with "-" or "_": 4,000 draws would meet ~125 of them.
    const ids = Array.from({ length: 4000 }, () => newCredentialId());
    for (const id of ids) assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_-]{21}$/, id);
    assert.equal(new Set(ids).size, ids.length);
    // Every other base64url character still appears first: the id keeps its randomness.
    assert.ok(new Set(ids.map((id) => id[0])).size >= 60);
  });

  it("a secret is 256 random bits, URL-safe, with no dot", () => {
    const secret = newSecret();
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(secret, "base64url").length, 32);
  });
});
