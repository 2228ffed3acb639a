import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ledger, LEDGER_FILE, readLedger } from "./ledger";

describe("Ledger", () => {
  it("remembers ended leases across restarts, keyed by job and lease, tokens hashed", () => {
    const dir = mkdtempSync(join(tmpdir(), "rp-ledger-spec-"));
    try {
      const ledger = Ledger.open(dir);
      ledger.begin("jobs", "j1", "token-one", "SUCCEEDED");
      assert.equal(ledger.has("jobs", "j1", "token-one"), false, "not until the server accepted it");
      ledger.end("jobs", "j1", "token-one", "SUCCEEDED", false);
      assert.equal(ledger.has("jobs", "j1", "token-one"), true);
      assert.equal(ledger.has("jobs", "j1", "token-two"), false, "a new lease of the same job is new work");
      assert.equal(ledger.has("code", "j1", "token-one"), false);
      // A crash mid-write leaves a torn line; the rest still counts.
      appendFileSync(join(dir, LEDGER_FILE), '{"event":"fin');
      const reopened = Ledger.open(dir);
      assert.equal(reopened.has("jobs", "j1", "token-one"), true);
      assert.equal(readLedger(join(dir, LEDGER_FILE)).length, 2);
      assert.ok(!readFileSync(join(dir, LEDGER_FILE), "utf8").includes("token-one"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
