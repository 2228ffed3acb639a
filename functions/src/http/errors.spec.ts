import assert from "node:assert/strict";
import type { Response } from "express";
import type { Request } from "firebase-functions/v2/https";
import { isRetryableStorageError } from "./errors";
import { QuotaExceeded, QUOTAS } from "../core/quotas/quotas";
import { sendError } from "./route";

/** Just enough of an Express response to see what `sendError` answers. */
function recorder() {
  const seen: { status?: number; headers: Record<string, string>; body?: unknown } = { headers: {} };
  const res = {
    headersSent: false,
    set(name: string, value: string) {
      seen.headers[name.toLowerCase()] = value;
      return res;
    },
    status(code: number) {
      seen.status = code;
      return res;
    },
    json(body: unknown) {
      seen.body = body;
      return res;
    },
  };
  return { res: res as unknown as Response, seen };
}

const req = { method: "POST", path: "/x" } as Request;

/** Runs `fn` with the logger's output captured instead of printed (it writes through the streams). */
function quietly(fn: () => void): string {
  const lines: string[] = [];
  const saved = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const capture = (chunk: unknown) => (lines.push(String(chunk)), true);
  process.stdout.write = process.stderr.write = capture as typeof process.stdout.write;
  try {
    fn();
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
  return lines.join("");
}

describe("sendError", () => {
  it("answers a Firestore transaction still contended after its retries with 503, Retry-After and the face's envelope", () => {
    const aborted = Object.assign(new Error("10 ABORTED: Transaction lock timeout."), { code: 10 });
    const { res, seen } = recorder();
    const logged = quietly(() => sendError(res, "jobs", aborted, req));
    assert.match(logged, /unhandled error/, "still logged: contention is worth seeing");
    assert.equal(seen.status, 503);
    assert.equal(seen.headers["retry-after"], "1");
    assert.deepEqual(seen.body, {
      error: "TRY_AGAIN",
      message: "The service is busy; retry in a moment. Nothing was changed.",
    });
  });

  it("answers a quota with 429, Retry-After and each face's own envelope naming the limit", () => {
    const quota = new QuotaExceeded(QUOTAS.pendingJobs, 1000, "team");
    const bodies: Record<string, unknown> = {};
    for (const face of ["jobs", "fleet", "coderunner", "workspace"] as const) {
      const { res, seen } = recorder();
      sendError(res, face, quota, req);
      assert.equal(seen.status, 429);
      assert.equal(seen.headers["retry-after"], "30");
      bodies[face] = seen.body;
    }
    const message = "Quota exceeded: at most 1000 pending jobs per team (MAX_PENDING_JOBS).";
    const detail = { quota: "pendingJobs", param: "MAX_PENDING_JOBS", limit: 1000, per: "team" };
    assert.deepEqual(bodies, {
      jobs: { error: "PENDING_JOBS_QUOTA_EXCEEDED", message, detail },
      fleet: { data: null, error: message, reason: "PENDING_JOBS_QUOTA_EXCEEDED", detail },
      coderunner: { success: false, message, data: null, reason: "PENDING_JOBS_QUOTA_EXCEEDED", detail },
      workspace: { error: "PENDING_JOBS_QUOTA_EXCEEDED", message, detail },
    });
  });

  it("keeps 500 for what nobody can retry past, without the error's text", () => {
    for (const error of [
      new TypeError("x is undefined"),
      Object.assign(new Error("3 INVALID_ARGUMENT"), { code: 3 }),
      "a string",
    ]) {
      const { res, seen } = recorder();
      quietly(() => sendError(res, "fleet", error, req));
      assert.equal(seen.status, 500);
      assert.equal(seen.headers["retry-after"], undefined);
      assert.doesNotMatch(JSON.stringify(seen.body), /undefined|INVALID_ARGUMENT|string/);
    }
  });

  it("tells retryable gRPC codes from the rest", () => {
    assert.deepEqual(
      [4, 8, 10, 14].map((code) => isRetryableStorageError({ code })),
      [true, true, true, true],
    );
    assert.deepEqual(
      [0, 3, 5, 6, 9, 13, "10", undefined].map((code) => isRetryableStorageError({ code })),
      Array(8).fill(false),
    );
    assert.equal(isRetryableStorageError(null), false);
  });
});
