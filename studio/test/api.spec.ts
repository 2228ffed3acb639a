import assert from "node:assert/strict";
import { describeFailure } from "../src/api";

describe("studio error words", () => {
  it("uses each face's envelope: message and reason", () => {
    const jobs = describeFailure(409, { error: "JOB_FINISHED", message: "The job already ended (SUCCEEDED)." });
    assert.deepEqual(
      [jobs.status, jobs.reason, jobs.message],
      [409, "JOB_FINISHED", "The job already ended (SUCCEEDED)."],
    );
    const fleet = describeFailure(404, { data: null, error: "No such runner.", reason: "RUNNER_NOT_FOUND" });
    assert.deepEqual([fleet.reason, fleet.message], ["RUNNER_NOT_FOUND", "No such runner."]);
    const coderunner = describeFailure(403, {
      success: false,
      message: "Tenant mismatch.",
      data: null,
      reason: "TENANT_MISMATCH",
    });
    assert.deepEqual([coderunner.reason, coderunner.message], ["TENANT_MISMATCH", "Tenant mismatch."]);
  });

  it("names the first invalid field", () => {
    const failure = describeFailure(400, {
      error: "INVALID_REQUEST",
      message: "The request body is not valid.",
      detail: { issues: [{ path: "body.title", message: "Too big: expected string to have <=200 characters" }] },
    });
    assert.equal(
      failure.message,
      "The request body is not valid: title: Too big: expected string to have <=200 characters.",
    );
  });

  it("falls back to words for the status when there is no envelope", () => {
    const html = describeFailure(404, "<!doctype html><title>Page Not Found</title>");
    assert.equal(html.reason, null, "a route the server lacks has no reason");
    assert.match(html.message, /^Not found\./);
    assert.match(describeFailure(401, null).message, /Sign in again/);
    assert.match(describeFailure(503, null).message, /server had a problem \(503\)/);
    assert.equal(describeFailure(418, null).message, "The server answered 418.");
  });
});
