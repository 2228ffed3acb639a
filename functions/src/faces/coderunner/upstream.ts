import { createDefinition as create } from "../../core/code/createDefinition";
import { createDeployment as deploy } from "../../core/code/createDeployment";
import { deleteVersion as remove, listVersions as list, readVersion } from "../../core/code/manageVersions";
import { MAX_BUNDLE_BYTES, MAX_RUN_PAYLOAD_BYTES, MULTIPART_OVERHEAD_BYTES } from "../../core/code/model";
import { ownedDeployment, ownedExecution } from "../../core/code/owned";
import { runDeployment } from "../../core/code/runDeployment";
import { uploadVersion } from "../../core/code/uploadVersion";
import { PayloadTooLarge } from "../../http/errors";
import { endpoint } from "../../http/route";
import { callerOf, CONTROL_PLANE } from "./auth";
import { parseUpload } from "./multipart";
import {
  definitionBody,
  deployBody,
  deploymentParams,
  executionParams,
  idParams,
  runBody,
  versionParams,
  versionsQuery,
} from "./schemas";
import { deploymentView, executionView, versionView } from "./views";

/** Seed 000's upstream Coderunner paths (Control Plane calls these; the proxy paths reuse them). */

/** Body cap of an upload: the ZIP cap plus room for the multipart framing. */
export const MAX_UPLOAD_BODY_BYTES = MAX_BUNDLE_BYTES + MULTIPART_OVERHEAD_BYTES;
/** Body cap of a run: the payload cap plus its `{"payload":…}` wrapper. */
export const MAX_RUN_BODY_BYTES = MAX_RUN_PAYLOAD_BYTES + 1024;

/** The run payload as JSON text, refused with 413 past the cap. */
export function runInputJson(payload: Record<string, unknown>): string {
  const json = JSON.stringify(payload);
  if (Buffer.byteLength(json, "utf8") > MAX_RUN_PAYLOAD_BYTES) throw new PayloadTooLarge(MAX_RUN_PAYLOAD_BYTES);
  return json;
}

/** `POST /api/definitions` → 201 `{ id }`. */
/** Seed 000's answer to a run: 202, the execution queued. */
export function queuedAnswer(run: { executionId: string; deploymentId: string }) {
  return {
    status: 202,
    message: "Execution queued",
    body: { executionId: run.executionId, deploymentId: run.deploymentId, status: "PENDING" },
  };
}

export const createDefinition = endpoint({
  face: "coderunner",
  method: "POST",
  path: "/api/definitions",
  auth: CONTROL_PLANE,
  body: definitionBody,
  handler: async ({ principal, body, now }) => {
    const caller = callerOf(principal);
    const id = await create(caller.tenantId, caller.userId, body, now);
    return { status: 201, message: "Code definition created", body: { id } };
  },
});

/** `POST /api/file/{id}/upload` (multipart `Description`, `file`) → 201 `{ versionId, status, … }`. */
export const uploadFile = endpoint({
  face: "coderunner",
  method: "POST",
  path: "/api/file/:id/upload",
  auth: CONTROL_PLANE,
  params: idParams,
  rawBody: true,
  maxBodyBytes: MAX_UPLOAD_BODY_BYTES,
  handler: async ({ principal, params, req }) => {
    const caller = callerOf(principal);
    const upload = await parseUpload(req);
    const { versionId, version } = await uploadVersion(
      caller.tenantId,
      caller.userId,
      params.id,
      upload,
      () => new Date(),
    );
    return {
      status: 201,
      message: uploadMessage(version.failureReason),
      body: { ...versionView(versionId, version), versionId },
    };
  },
});

export function uploadMessage(failureReason: string | null): string {
  return failureReason === null ? "Code uploaded" : `Code uploaded, but the archive was refused: ${failureReason}`;
}

/** `GET /api/version/definition?DefinitionId=` → `{ versions }`, newest first. */
export const listVersions = endpoint({
  face: "coderunner",
  method: "GET",
  path: "/api/version/definition",
  auth: CONTROL_PLANE,
  query: versionsQuery,
  handler: async ({ principal, query }) => {
    const found = await list(callerOf(principal).tenantId, query.DefinitionId);
    return { message: "Versions", body: { versions: found.map((v) => versionView(v.id, v.doc)) } };
  },
});

/** `GET /api/version/{versionId}`. */
export const getVersion = endpoint({
  face: "coderunner",
  method: "GET",
  path: "/api/version/:versionId",
  auth: CONTROL_PLANE,
  params: versionParams,
  handler: async ({ principal, params }) => ({
    message: "Version",
    body: versionView(params.versionId, await readVersion(callerOf(principal).tenantId, params.versionId)),
  }),
});

/** `DELETE /api/version/{versionId}`; 409 while a deployment runs it. */
export const deleteVersion = endpoint({
  face: "coderunner",
  method: "DELETE",
  path: "/api/version/:versionId",
  auth: CONTROL_PLANE,
  params: versionParams,
  handler: async ({ principal, params }) => {
    await remove(callerOf(principal).tenantId, params.versionId);
    return { message: "Version deleted", body: { id: params.versionId } };
  },
});

/** `POST /api/deployment/create` → 201 `{ id, externalEndpoint, … }`. */
export const createDeployment = endpoint({
  face: "coderunner",
  method: "POST",
  path: "/api/deployment/create",
  auth: CONTROL_PLANE,
  body: deployBody,
  handler: async ({ principal, body, req, now }) => {
    const caller = callerOf(principal);
    const config = body.Configuration ?? {};
    const { deploymentId, deployment } = await deploy(
      caller.tenantId,
      caller.userId,
      {
        definitionId: body.DefinitionId,
        versionId: body.VersionId,
        cpu: config.Cpu,
        memory: config.Memory,
        cronExpression: config.CronExpression,
      },
      now,
    );
    const view = deploymentView(req, deploymentId, deployment);
    return {
      status: 201,
      message: "Deployment created",
      body: { ...view, externalEndpoint: view.configuration.externalEndpoint },
    };
  },
});

/** `GET /api/deployment/{deploymentId}` → `configuration.externalEndpoint` is the invoke URL. */
export const getDeployment = endpoint({
  face: "coderunner",
  method: "GET",
  path: "/api/deployment/:deploymentId",
  auth: CONTROL_PLANE,
  params: deploymentParams,
  handler: async ({ principal, params, req }) => {
    const { doc } = await ownedDeployment(callerOf(principal).tenantId, params.deploymentId);
    return { message: "Deployment", body: deploymentView(req, params.deploymentId, doc) };
  },
});

/** `POST /api/execution/run/onetime/{id}` (`id`: deployment, or definition's active one) → 202 `{ executionId }`. */
export const runOnetime = endpoint({
  face: "coderunner",
  method: "POST",
  path: "/api/execution/run/onetime/:id",
  auth: CONTROL_PLANE,
  params: idParams,
  body: runBody,
  maxBodyBytes: MAX_RUN_BODY_BYTES,
  handler: async ({ principal, params, body, now }) => {
    const caller = callerOf(principal);
    const run = await runDeployment(
      caller.tenantId,
      caller.userId,
      params.id,
      runInputJson(body.payload),
      "onetime",
      now,
    );
    return queuedAnswer(run);
  },
});

/** `POST {externalEndpoint}` = `POST /api/invoke/{deploymentId}` → 202 `{ executionId }`. */
export const invokeDeployment = endpoint({
  face: "coderunner",
  method: "POST",
  path: "/api/invoke/:deploymentId",
  auth: CONTROL_PLANE,
  params: deploymentParams,
  body: runBody,
  maxBodyBytes: MAX_RUN_BODY_BYTES,
  handler: async ({ principal, params, body, now }) => {
    const caller = callerOf(principal);
    const run = await runDeployment(
      caller.tenantId,
      caller.userId,
      params.deploymentId,
      runInputJson(body.payload),
      "endpoint",
      now,
    );
    return queuedAnswer(run);
  },
});

/** `GET /api/execution/{executionId}` → status and, once finished, the result. */
export const getExecution = endpoint({
  face: "coderunner",
  method: "GET",
  path: "/api/execution/:executionId",
  auth: CONTROL_PLANE,
  params: executionParams,
  handler: async ({ principal, params }) => {
    const { doc } = await ownedExecution(callerOf(principal).tenantId, params.executionId);
    return { message: "Execution", body: executionView(params.executionId, doc) };
  },
});
