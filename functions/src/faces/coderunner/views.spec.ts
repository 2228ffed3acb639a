import assert from "node:assert/strict";
import type { Request } from "firebase-functions/v2/https";
import { invokeUrl, publicBase } from "./views";

function request(headers: Record<string, string>, protocol = "http"): Request {
  return { headers, protocol } as unknown as Request;
}

describe("Coderunner public base (externalEndpoint)", () => {
  it("prefers the forwarded host and protocol a proxy (Hosting) sets", () => {
    assert.equal(
      publicBase(
        request({ host: "127.0.0.1:5001", "x-forwarded-host": "api.example.com", "x-forwarded-proto": "https" }),
      ),
      "https://api.example.com",
    );
    assert.equal(
      publicBase(request({ "x-forwarded-host": "a.example.com, b.internal", "x-forwarded-proto": "https,http" })),
      "https://a.example.com",
    );
  });

  it("falls back to the Host header and the connection's protocol", () => {
    assert.equal(publicBase(request({ host: "127.0.0.1:5000" })), "http://127.0.0.1:5000");
    assert.equal(publicBase(request({ host: "api.example.com" }, "https")), "https://api.example.com");
  });

  it("ignores malformed forwarded values instead of reflecting them", () => {
    assert.equal(
      publicBase(
        request({ host: "127.0.0.1:5000", "x-forwarded-host": "evil.com/@x", "x-forwarded-proto": "javascript" }),
      ),
      "http://127.0.0.1:5000",
    );
    assert.equal(publicBase(request({ host: "bad host" })), "http://127.0.0.1");
  });

  it("builds the invoke URL of a deployment", () => {
    assert.equal(invokeUrl(request({ host: "127.0.0.1:5000" }), "d-1"), "http://127.0.0.1:5000/api/invoke/d-1");
  });
});
