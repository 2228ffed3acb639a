import { callerGone } from "../../http/callerGone";
import { MAX_OUTPUT_BYTES, MAX_RESULT_BYTES } from "../../core/code/model";
import { mintTenantRunnerKey, revokeTenantRunnerKey } from "../../core/code/runnerKeys";
import {
  completeExecution as complete,
  failExecution as fail,
  heartbeatExecution as heartbeat,
  leaseExecutions as lease,
  readExecutionBundle,
} from "../../core/code/runExecutions";
import { PayloadTooLarge } from "../../http/errors";
import { ALREADY_SENT, endpoint } from "../../http/route";
import { callerOf, CONTROL_PLANE, runnerOf, TENANT_RUNNER } from "./auth";
import {
  bundleHeaders,
  completeBody,
  executionParams,
  failBody,
  heldBody,
  leaseBody,
  runnerKeyBody,
  runnerKeyParams,
} from "./schemas";
import { leasedExecutionView } from "./views";

/**
 * Coderunner — runner side. Control Plane mints a tenant runner key; the runner uses it to lease
 * the tenant's executions, heartbeat, download the bundle and finish, on the shared lease core.
 */

/** Body cap of a completion: output and result at their caps, plus the JSON around them. */
export const MAX_COMPLETE_BODY_BYTES = MAX_OUTPUT_BYTES * 2 + MAX_RESULT_BYTES + 16 * 1024;

/** `POST /api/coderunner/runner-keys` `{ name? }` (Control Plane) → 201 `{ keyId, key }`; `key` is shown once. */
export const mintRunnerKey = endpoint({
  face: "coderunner",
  method: "POST",
  path: "/api/coderunner/runner-keys",
  auth: CONTROL_PLANE,
  body: runnerKeyBody,
  handler: async ({ principal, body, now }) => ({
    status: 201,
    message: "Runner key created",
    body: await mintTenantRunnerKey(callerOf(principal).tenantId, body.name, now),
  }),
});

/** `DELETE /api/coderunner/runner-keys/{keyId}` (Control Plane): the key fails on its next call. */
export const revokeRunnerKey = endpoint({
  face: "coderunner",
  method: "DELETE",
  path: "/api/coderunner/runner-keys/:keyId",
  auth: CONTROL_PLANE,
  params: runnerKeyParams,
  handler: async ({ principal, params, now }) => {
    await revokeTenantRunnerKey(callerOf(principal).tenantId, params.keyId, now);
    return { message: "Runner key revoked", body: { keyId: params.keyId } };
  },
});

/** `POST /api/coderunner/executions/lease` `{ limit?, waitMs? }` → `{ executions }` (empty when none wait). */
export const leaseExecutions = endpoint({
  face: "coderunner",
  method: "POST",
  path: "/api/coderunner/executions/lease",
  auth: TENANT_RUNNER,
  body: leaseBody,
  handler: async ({ res, principal, body, now }) => {
    const claimed = await lease(runnerOf(principal), body.limit, body.waitMs, now, callerGone(res));
    return {
      message: claimed.length === 0 ? "Nothing to run" : "Executions leased",
      body: { executions: claimed.map(leasedExecutionView) },
    };
  },
});

/** `POST /api/coderunner/executions/{id}/heartbeat` `{ leaseToken }` → `{ leaseExpiresAt, cancelRequested }`. */
export const heartbeatExecution = endpoint({
  face: "coderunner",
  method: "POST",
  path: "/api/coderunner/executions/:executionId/heartbeat",
  auth: TENANT_RUNNER,
  params: executionParams,
  body: heldBody,
  handler: async ({ principal, params, body, now }) => ({
    message: "Lease extended",
    body: await heartbeat(runnerOf(principal), params.executionId, body.leaseToken, now),
  }),
});

/** `GET /api/coderunner/executions/{id}/bundle` with `x-lease-token` → the ZIP's bytes. */
export const downloadExecutionBundle = endpoint({
  face: "coderunner",
  method: "GET",
  path: "/api/coderunner/executions/:executionId/bundle",
  auth: TENANT_RUNNER,
  params: executionParams,
  headers: bundleHeaders,
  handler: async ({ principal, params, headers, res, now }) => {
    const bytes = await readExecutionBundle(runnerOf(principal), params.executionId, headers["x-lease-token"], now);
    res.setHeader("content-type", "application/zip");
    res.setHeader("content-disposition", `attachment; filename="${params.executionId}.zip"`);
    res.status(200).send(bytes);
    return ALREADY_SENT;
  },
});

/** `POST /api/coderunner/executions/{id}/complete` `{ leaseToken, exitCode, output?, result? }`. */
export const completeExecution = endpoint({
  face: "coderunner",
  method: "POST",
  path: "/api/coderunner/executions/:executionId/complete",
  auth: TENANT_RUNNER,
  params: executionParams,
  body: completeBody,
  maxBodyBytes: MAX_COMPLETE_BODY_BYTES,
  handler: async ({ principal, params, body, now }) => {
    const resultJson = body.result === undefined ? null : JSON.stringify(body.result);
    if (resultJson !== null && Buffer.byteLength(resultJson, "utf8") > MAX_RESULT_BYTES)
      throw new PayloadTooLarge(MAX_RESULT_BYTES);
    const outcome = { exitCode: body.exitCode, output: body.output, resultJson };
    const done = await complete(runnerOf(principal), params.executionId, body.leaseToken, outcome, now);
    return { message: "Execution finished", body: { executionId: params.executionId, ...done } };
  },
});

/** `POST /api/coderunner/executions/{id}/fail` `{ leaseToken, error }`: the runner could not run it. */
export const failExecution = endpoint({
  face: "coderunner",
  method: "POST",
  path: "/api/coderunner/executions/:executionId/fail",
  auth: TENANT_RUNNER,
  params: executionParams,
  body: failBody,
  handler: async ({ principal, params, body, now }) => {
    const done = await fail(runnerOf(principal), params.executionId, body.leaseToken, body.error, now);
    return { message: "Execution failed", body: { executionId: params.executionId, ...done } };
  },
});
