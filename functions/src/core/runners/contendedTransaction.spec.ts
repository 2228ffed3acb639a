import assert from "node:assert/strict";
import type { Response } from "express";
import type { Request } from "firebase-functions/v2/https";
import { ServiceUnavailable } from "../../http/errors";
import { sendError } from "../../http/route";
import { retryWhileAborted } from "./contendedTransaction";

const aborted = () => Object.assign(new Error("10 ABORTED"), { code: 10 });

describe("retryWhileAborted", () => {
  it("retries ABORTED and returns the first success", async () => {
    let calls = 0;
    const value = await retryWhileAborted(() => {
      calls++;
      return calls < 3 ? Promise.reject(aborted()) : Promise.resolve("done");
    }, 5);
    assert.deepEqual([value, calls], ["done", 3]);
  });

  it("gives up after its attempts with 503 TRY_AGAIN, which every face answers with Retry-After (the fleet face answered 429)", async () => {
    let calls = 0;
    const error = await retryWhileAborted(() => {
      calls++;
      return Promise.reject(aborted());
    }, 3).catch((e: unknown) => e);
    assert.equal(calls, 3);
    assert.ok(error instanceof ServiceUnavailable);
    for (const face of ["fleet", "jobs", "workspace", "coderunner", "runnersRead"] as const) {
      const seen: { status?: number; retryAfter?: string; body?: unknown } = {};
      const res = {
        headersSent: false,
        set: (name: string, value: string) => (name.toLowerCase() === "retry-after" && (seen.retryAfter = value), res),
        status: (code: number) => ((seen.status = code), res),
        json: (body: unknown) => ((seen.body = body), res),
      };
      const quiet = process.stderr.write.bind(process.stderr);
      const out = process.stdout.write.bind(process.stdout);
      process.stderr.write = process.stdout.write = (() => true) as typeof process.stdout.write;
      try {
        sendError(res as unknown as Response, face, error, { method: "POST", path: "/x" } as Request);
      } finally {
        process.stderr.write = quiet;
        process.stdout.write = out;
      }
      assert.equal(seen.status, 503, face);
      assert.equal(seen.retryAfter, "1", face);
      assert.match(JSON.stringify(seen.body), /TRY_AGAIN/, face);
    }
  });

  it("passes any other error through at once", async () => {
    let calls = 0;
    const error = await retryWhileAborted(() => {
      calls++;
      return Promise.reject(Object.assign(new Error("9 FAILED_PRECONDITION"), { code: 9 }));
    }, 5).catch((e: unknown) => e);
    assert.equal(calls, 1);
    assert.ok(!(error instanceof ServiceUnavailable));
  });
});
