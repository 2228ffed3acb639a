import assert from "node:assert/strict";
import { CLAIM_WINDOW, windowSize } from "./claimJobs";

describe("claim window size (billed reads per lease)", () => {
  it("a lone claim reads its limit and one spare, not a whole window", () => {
    assert.equal(windowSize(1, 1, false), 2);
    assert.equal(windowSize(5, 5, false), 6);
  });

  it("claims waiting in one process share one read sized for them, up to CLAIM_WINDOW", () => {
    assert.equal(windowSize(10, 1, false), 11);
    assert.equal(windowSize(500, 1, false), CLAIM_WINDOW + 1);
    assert.equal(windowSize(3, 5, false), 6, "never less than the claim's own limit");
  });

  it("reads the whole window while another process competes, so competitors can spread", () => {
    assert.equal(windowSize(1, 1, true), CLAIM_WINDOW + 1);
    assert.equal(windowSize(1, 5, true), CLAIM_WINDOW + 5);
  });
});
