/** Arrangements for the Coderunner (seed 000) integration tests, made through the public API. */
import assert from "node:assert/strict";
import type { ExecutionPayload } from "../../functions/src/core/code/executionJob";
import { writeZip, type ZipEntryInput } from "../../contract/src/zipWriter";
import type { JobDoc } from "../../functions/src/core/jobs/model";
import type { DefinitionDoc, DeploymentDoc, VersionDoc } from "../../functions/src/data/code";
import type { Tenant } from "./controlPlane";
import { adminDb, call, type ApiResponse } from "./stack";
import { leaseExecutionsAnswer } from "../../contract/src/coderunner";
import { assertOnContract } from "./contract";

export { writeZip, type ZipEntryInput };

/** Seed 000's envelope. */
export interface Envelope<T = Record<string, unknown>> {
  success: boolean;
  message: string;
  data: T;
  reason?: string;
}

export const NODE_HELLO: ZipEntryInput[] = [
  { name: "package.json", data: JSON.stringify({ name: "hello", main: "src/handler.js" }) },
  { name: "src/", data: "" },
  { name: "src/handler.js", data: "module.exports = async (payload) => ({ hello: payload.hello ?? 'world' });\n" },
];

/** A Control Plane call: token and tenant headers added. */
export function cp<T = Record<string, unknown>>(
  tenant: Tenant,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; rawBody?: string | Uint8Array } = {},
): Promise<ApiResponse<Envelope<T>>> {
  return call<Envelope<T>>(method, path, {
    ...options,
    token: tenant.token,
    headers: { ...tenant.headers, ...options.headers },
  });
}

const BOUNDARY = "----runnerplane-test-7d3f";

/** A multipart body with `Description` and `file` parts (either may be left out). */
export function multipart(parts: { description?: string; file?: Buffer; fileField?: string }): {
  body: Buffer;
  contentType: string;
} {
  const chunks: Buffer[] = [];
  if (parts.description !== undefined) {
    chunks.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="Description"\r\n\r\n${parts.description}\r\n`,
      ),
    );
  }
  if (parts.file !== undefined) {
    chunks.push(
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${parts.fileField ?? "file"}"; filename="code.zip"\r\nContent-Type: application/zip\r\n\r\n`,
      ),
      parts.file,
      Buffer.from("\r\n"),
    );
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${BOUNDARY}` };
}

export function upload(tenant: Tenant, path: string, file: Buffer, description = "test upload") {
  const { body, contentType } = multipart({ description, file });
  return cp<VersionView>(tenant, "POST", path, { rawBody: body, headers: { "content-type": contentType } });
}

export interface VersionView {
  id: string;
  versionId: string;
  definitionId: string;
  number: number;
  status: number;
  statusName: string;
  failureReason: string | null;
  entryPoint: string | null;
  transitions: { status: number; at: string; reason: string | null }[];
  deploymentIds: string[];
}

export interface DeploymentView {
  id: string;
  status: string;
  versionId: string;
  externalEndpoint?: string;
  configuration: { cpu: string; memory: string; cronExpression: string | null; externalEndpoint: string };
  schedule: { nextFireAt: string | null; lastFiredSlot: string | null } | null;
}

export async function createDefinition(tenant: Tenant, body: Record<string, unknown> = {}): Promise<string> {
  const response = await cp<{ id: string }>(tenant, "POST", "/api/definitions", {
    body: { name: "My function", description: "hello", deploymentType: 1, languageType: 1, ...body },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.data.id;
}

/** A definition with one Completed version of `entries`. */
export async function completedVersion(
  tenant: Tenant,
  entries: ZipEntryInput[] = NODE_HELLO,
  body: Record<string, unknown> = {},
) {
  const definitionId = await createDefinition(tenant, body);
  const uploaded = await upload(tenant, `/api/file/${definitionId}/upload`, writeZip(entries));
  assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
  assert.equal(uploaded.body.data.status, 3, JSON.stringify(uploaded.body));
  return { definitionId, versionId: uploaded.body.data.versionId };
}

/** A deployed Completed version. */
export async function deployed(
  tenant: Tenant,
  configuration: Record<string, unknown> = { Cpu: "250m", Memory: "256Mi" },
  body: Record<string, unknown> = {},
) {
  const { definitionId, versionId } = await completedVersion(tenant, NODE_HELLO, body);
  const response = await cp<DeploymentView>(tenant, "POST", "/api/deployment/create", {
    body: { DefinitionId: definitionId, VersionId: versionId, Configuration: configuration },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return { definitionId, versionId, deploymentId: response.body.data.id, deployment: response.body.data };
}

/** Asserts seed 000's error envelope and status range, and returns the body. */
export function assertRefused(response: ApiResponse<unknown>, status: number, reason?: string): Envelope<unknown> {
  const body = response.body as Envelope<unknown>;
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body.success, false, JSON.stringify(body));
  assert.equal(body.data, null);
  assert.equal(typeof body.message, "string");
  assert.ok(body.message.length > 0);
  if (reason !== undefined) assert.equal(body.reason, reason, JSON.stringify(body));
  return body;
}

/** A tenant runner key minted through the Control Plane route. */
export async function runnerKey(tenant: Tenant): Promise<string> {
  const response = await cp<{ key: string }>(tenant, "POST", "/api/coderunner/runner-keys", {
    body: { name: "test runner" },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.data.key;
}

export interface LeasedExecution {
  executionId: string;
  leaseToken: string;
  leaseExpiresAt: number;
  deploymentId: string;
  languageType: number;
  language: string;
  entryPoint: string;
  limits: { cpu: string; memory: string; cpuMillis: number; memoryMiB: number };
  payload: unknown;
  trigger: string;
  slot: string | null;
  bundle: { sha256: string; size: number; path: string };
}

export async function leaseExecutions(key: string, limit = 1): Promise<LeasedExecution[]> {
  const response = await call<Envelope<{ executions: LeasedExecution[] }>>("POST", "/api/coderunner/executions/lease", {
    token: key,
    body: { limit },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assertOnContract(leaseExecutionsAnswer, response.body, "POST /api/coderunner/executions/lease");
  return response.body.data.executions;
}

/**
 * The functions emulator loads each function on its first call, which can take longer than the
 * tests' shortened 4 s lease. Touching the runner routes first (unauthenticated: 401, no state)
 * keeps a lease test about leases rather than about cold starts.
 */
export async function warmRunnerRoutes(): Promise<void> {
  const id = "warm-up";
  await Promise.all([
    call("POST", "/api/coderunner/executions/lease", { body: {} }),
    call("POST", `/api/coderunner/executions/${id}/heartbeat`, { body: {} }),
    call("GET", `/api/coderunner/executions/${id}/bundle`),
    call("POST", `/api/coderunner/executions/${id}/complete`, { body: {} }),
    call("POST", `/api/coderunner/executions/${id}/fail`, { body: {} }),
  ]);
}

/** Stored documents, typed as the functions declare them. */
export async function storedJob(id: string): Promise<JobDoc | undefined> {
  return (await adminDb().collection("jobs").doc(id).get()).data() as JobDoc | undefined;
}
export async function storedVersion(id: string): Promise<VersionDoc | undefined> {
  return (await adminDb().collection("versions").doc(id).get()).data() as VersionDoc | undefined;
}
export async function storedDeployment(id: string): Promise<DeploymentDoc | undefined> {
  return (await adminDb().collection("deployments").doc(id).get()).data() as DeploymentDoc | undefined;
}
export async function storedDefinition(id: string): Promise<DefinitionDoc | undefined> {
  return (await adminDb().collection("definitions").doc(id).get()).data() as DefinitionDoc | undefined;
}

/** A scheduled execution's payload. */
export function executionPayload(job: JobDoc | undefined): ExecutionPayload | undefined {
  return job?.payload as ExecutionPayload | undefined;
}

/** An archive the check refuses: a NodeJS definition's ZIP with no entry point. */
export const NO_ENTRY_POINT: ZipEntryInput[] = [{ name: "README.md", data: "nothing to run here\n" }];

/** Uploads a version the archive check refuses (status 4) to an existing definition. */
export async function failedVersion(
  tenant: Tenant,
  definitionId: string,
  entries: ZipEntryInput[] = NO_ENTRY_POINT,
  description = "no entry point",
) {
  const uploaded = await upload(tenant, `/api/file/${definitionId}/upload`, writeZip(entries), description);
  assert.equal(uploaded.status, 201, JSON.stringify(uploaded.body));
  assert.equal(uploaded.body.data.status, 4, JSON.stringify(uploaded.body));
  return { versionId: uploaded.body.data.versionId, failureReason: uploaded.body.data.failureReason ?? "" };
}

/**
 * Runs a deployment once and has a tenant runner key lease and complete it with `exitCode`,
 * as a runner would: the execution ends SUCCEEDED (0) or FAILED. Call `warmRunnerRoutes()` first.
 */
export async function finishedExecution(tenant: Tenant, deploymentId: string, exitCode = 0): Promise<string> {
  const run = await cp<{ executionId: string }>(tenant, "POST", `/api/execution/run/onetime/${deploymentId}`, {
    body: { payload: { hello: "overview" } },
  });
  assert.equal(run.status, 202, JSON.stringify(run.body));
  const key = await runnerKey(tenant);
  const [leased] = await leaseExecutions(key);
  assert.ok(leased !== undefined, "the runner leased the execution");
  assert.equal(leased.executionId, run.body.data.executionId);
  const done = await call("POST", `/api/coderunner/executions/${leased.executionId}/complete`, {
    token: key,
    body: { leaseToken: leased.leaseToken, exitCode, output: "hello overview\n", result: { hello: "overview" } },
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  return leased.executionId;
}
