import assert from "node:assert/strict";
import { call } from "../harness/stack";

describe("GET /health", () => {
  it("answers 200 with a small JSON body through Hosting", async () => {
    const response = await call<{ status: string; service: string; time: string }>("GET", "/health");
    assert.equal(response.status, 200);
    assert.equal(response.body.status, "ok");
    assert.equal(response.body.service, "runnerplane");
    assert.ok(!Number.isNaN(Date.parse(response.body.time)));
  });

  it("refuses other methods with 405 and an Allow header", async () => {
    const response = await call<{ error: string }>("POST", "/health", { body: {} });
    assert.equal(response.status, 405);
    assert.equal(response.body.error, "METHOD_NOT_ALLOWED");
    assert.equal(response.headers.get("allow"), "GET");
  });
});
