import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..", "..");

/**
 * Clients may read and write nothing directly (README, "Data and client access"): every grant in
 * firestore.rules must be a denial, and the deployed config must point at this file.
 */
describe("firestore.rules", () => {
  const rules = readFileSync(join(ROOT, "firestore.rules"), "utf8").replace(/\/\/.*$/gm, "");

  it("is the one deny-all match: every allow is `if false`", () => {
    const allows = [...rules.matchAll(/allow\s+([^:;]+)(?::\s*([^;]*))?;/g)].map((m) => ({
      ops: (m[1] ?? "").trim(),
      condition: (m[2] ?? "").trim(),
    }));
    assert.ok(allows.length > 0, "the rules say something");
    for (const allow of allows) assert.equal(allow.condition, "if false", `allow ${allow.ops} must be denied`);
    assert.deepEqual(
      allows.map((a) =>
        a.ops
          .split(/\s*,\s*/)
          .sort()
          .join(","),
      ),
      ["read,write"],
    );
    assert.deepEqual(
      [...rules.matchAll(/match\s+(\S+)/g)].map((m) => m[1]),
      ["/databases/{database}/documents", "/{document=**}"],
    );
  });

  it("is what firebase.json deploys", () => {
    const config = JSON.parse(readFileSync(join(ROOT, "firebase.json"), "utf8")) as { firestore?: { rules?: string } };
    assert.equal(config.firestore?.rules, "firestore.rules");
  });
});
