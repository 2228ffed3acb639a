import assert from "node:assert/strict";
import { forwardedHeaders, MAX_FORWARDED_HEADERS, MAX_HEADER_VALUE_CHARS } from "./receiveDelivery";

describe("webhook headers forwarded to a runner", () => {
  it("keeps the delivery's own headers and drops credentials and what our edge adds", () => {
    const out = forwardedHeaders({
      "x-github-event": "push",
      "X-Hub-Signature-256": "sha256=00",
      "content-type": "application/json",
      authorization: "Bearer someone's key",
      cookie: "session=1",
      host: "api.example.com",
      "x-forwarded-for": "10.0.0.1",
      traceparent: "00-abc-def-01",
      "set-like": ["a", "b"],
      missing: undefined,
    });
    assert.deepEqual(out, {
      "x-github-event": "push",
      "x-hub-signature-256": "sha256=00",
      "content-type": "application/json",
      "set-like": "a, b",
    });
  });

  it("bounds how many headers and how long each", () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, "v".repeat(20_000)]));
    const out = forwardedHeaders(many);
    assert.equal(Object.keys(out).length, MAX_FORWARDED_HEADERS);
    assert.ok(Object.values(out).every((v) => v.length === MAX_HEADER_VALUE_CHARS));
  });
});
