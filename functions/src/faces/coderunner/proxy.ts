import { createAppDefinition } from "../../core/code/createDefinition";
import { createDeployment } from "../../core/code/createDeployment";
import { deleteVersion, listVersions, readVersion } from "../../core/code/manageVersions";
import { ownedApp } from "../../core/code/owned";
import { runDeployment } from "../../core/code/runDeployment";
import { uploadVersion } from "../../core/code/uploadVersion";
import { assert, Conflict, InvalidArgument } from "../../http/errors";
import { endpoint } from "../../http/route";
import { assertWorkspace, callerOf, CONTROL_PLANE, type Caller } from "./auth";
import { parseUpload } from "./multipart";
import { appParams, appVersionParams, definitionBody, proxyDeployBody, runBody } from "./schemas";
import { MAX_RUN_BODY_BYTES, MAX_UPLOAD_BODY_BYTES, queuedAnswer, runInputJson, uploadMessage } from "./upstream";
import { deploymentView, versionView } from "./views";

/**
 * Control Plane proxy paths, `/v1/workspaces/{workspace_id}/apps/{app_slug}/coderunner/…`,
 * served by the same core as the upstream paths. `workspace_id` must equal `x-client-key`;
 * `apps/{tenant}~{slug}` maps the app to its definition, latest version and deployment (what
 * Control Plane keeps as `manifest.coderunner`), so the proxy bodies need not repeat the ids.
 */
const BASE = "/v1/workspaces/:workspaceId/apps/:appSlug/coderunner";

function scoped(principal: Parameters<typeof callerOf>[0], workspaceId: string): Caller {
  const caller = callerOf(principal);
  assertWorkspace(caller, workspaceId);
  return caller;
}

/** `POST …/definition` (body as `/api/definitions`) → 201 `{ id }`; 409 if the app has one. */
export const proxyDefinition = endpoint({
  face: "coderunner",
  method: "POST",
  path: `${BASE}/definition`,
  auth: CONTROL_PLANE,
  params: appParams,
  body: definitionBody,
  handler: async ({ principal, params, body, now }) => {
    const caller = scoped(principal, params.workspaceId);
    const id = await createAppDefinition(caller.tenantId, caller.userId, params.appSlug, body, now);
    return { status: 201, message: "Code definition created", body: { id } };
  },
});

/** `POST …/upload` (multipart as `/api/file/{id}/upload`) → 201 `{ versionId, … }`; becomes the app's version. */
export const proxyUpload = endpoint({
  face: "coderunner",
  method: "POST",
  path: `${BASE}/upload`,
  auth: CONTROL_PLANE,
  params: appParams,
  rawBody: true,
  maxBodyBytes: MAX_UPLOAD_BODY_BYTES,
  handler: async ({ principal, params, req }) => {
    const caller = scoped(principal, params.workspaceId);
    const app = await ownedApp(caller.tenantId, params.appSlug);
    const upload = await parseUpload(req);
    const { versionId, version } = await uploadVersion(
      caller.tenantId,
      caller.userId,
      app.doc.definitionId,
      upload,
      () => new Date(),
      app.ref,
    );
    return {
      status: 201,
      message: uploadMessage(version.failureReason),
      body: { ...versionView(versionId, version), versionId },
    };
  },
});

/** `GET …/versions` → `{ versions }` of the app's definition. */
export const proxyVersions = endpoint({
  face: "coderunner",
  method: "GET",
  path: `${BASE}/versions`,
  auth: CONTROL_PLANE,
  params: appParams,
  handler: async ({ principal, params }) => {
    const caller = scoped(principal, params.workspaceId);
    const app = await ownedApp(caller.tenantId, params.appSlug);
    const found = await listVersions(caller.tenantId, app.doc.definitionId);
    return { message: "Versions", body: { versions: found.map((v) => versionView(v.id, v.doc)) } };
  },
});

/** `GET …/versions/{versionId}`: a version of another app's definition is 404. */
export const proxyGetVersion = endpoint({
  face: "coderunner",
  method: "GET",
  path: `${BASE}/versions/:versionId`,
  auth: CONTROL_PLANE,
  params: appVersionParams,
  handler: async ({ principal, params }) => {
    const caller = scoped(principal, params.workspaceId);
    const app = await ownedApp(caller.tenantId, params.appSlug);
    return {
      message: "Version",
      body: versionView(params.versionId, await readVersion(caller.tenantId, params.versionId, app.doc.definitionId)),
    };
  },
});

/** `DELETE …/versions/{versionId}`; 409 while a deployment runs it. */
export const proxyDeleteVersion = endpoint({
  face: "coderunner",
  method: "DELETE",
  path: `${BASE}/versions/:versionId`,
  auth: CONTROL_PLANE,
  params: appVersionParams,
  handler: async ({ principal, params }) => {
    const caller = scoped(principal, params.workspaceId);
    const app = await ownedApp(caller.tenantId, params.appSlug);
    await deleteVersion(caller.tenantId, params.versionId, app.doc.definitionId);
    return { message: "Version deleted", body: { id: params.versionId } };
  },
});

/** `POST …/deploy` `{ VersionId?, Configuration }` (VersionId defaults to the app's latest upload) → 201. */
export const proxyDeploy = endpoint({
  face: "coderunner",
  method: "POST",
  path: `${BASE}/deploy`,
  auth: CONTROL_PLANE,
  params: appParams,
  body: proxyDeployBody,
  handler: async ({ principal, params, body, req, now }) => {
    const caller = scoped(principal, params.workspaceId);
    const app = await ownedApp(caller.tenantId, params.appSlug);
    assert(
      body.DefinitionId === undefined || body.DefinitionId === app.doc.definitionId,
      new InvalidArgument(
        "DEFINITION_MISMATCH",
        `DefinitionId is not this app's definition (${app.doc.definitionId}).`,
      ),
    );
    const versionId = body.VersionId ?? app.doc.versionId;
    if (versionId === null)
      throw new Conflict("NO_VERSION", "This app has no uploaded code yet; upload first or name a VersionId.");
    const config = body.Configuration ?? {};
    const request = {
      definitionId: app.doc.definitionId,
      versionId,
      cpu: config.Cpu,
      memory: config.Memory,
      cronExpression: config.CronExpression,
    };
    const { deploymentId, deployment } = await createDeployment(caller.tenantId, caller.userId, request, now, app.ref);
    const view = deploymentView(req, deploymentId, deployment);
    return {
      status: 201,
      message: "Deployment created",
      body: { ...view, externalEndpoint: view.configuration.externalEndpoint },
    };
  },
});

/** `POST …/run` `{ payload }` → 202 `{ executionId }` (Control Plane's `last_job_name`). */
export const proxyRun = endpoint({
  face: "coderunner",
  method: "POST",
  path: `${BASE}/run`,
  auth: CONTROL_PLANE,
  params: appParams,
  body: runBody,
  maxBodyBytes: MAX_RUN_BODY_BYTES,
  handler: async ({ principal, params, body, now }) => {
    const caller = scoped(principal, params.workspaceId);
    const app = await ownedApp(caller.tenantId, params.appSlug);
    if (app.doc.deploymentId === null)
      throw new Conflict("NOT_DEPLOYED", "This app has no deployment yet; deploy first.");
    const run = await runDeployment(
      caller.tenantId,
      caller.userId,
      app.doc.deploymentId,
      runInputJson(body.payload),
      "onetime",
      now,
    );
    return queuedAnswer(run);
  },
});
