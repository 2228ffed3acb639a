/**
 * Seed 002's plugin and diagnostic routes: `GET /plugins`, `POST /plugins/install`,
 * `DELETE /plugins/:id`, `GET /plugins/:id/models`, `POST /plugins/:id/healthcheck`,
 * `POST /test/git|tracker|llm`. Each is answered by an online runner of the team that has the
 * plugin or capability (an `rpc` job routed by what it offers); the call waits up to RPC_WAIT_MS
 * for the answer, else 504 with the job id to poll.
 */
import { z } from "zod";
import {
  capabilityTag,
  installPluginBody,
  LLM,
  MAX_RPC_BODY_BYTES,
  pluginId,
  pluginTag,
  PLUGINS,
  rpcInputBody,
  type RpcMethod,
} from "../../../../contract/src/capabilities";
import { intParam, JOB_LEASE_MS, RPC_WAIT_MS, RUNNER_PRESENCE_MS } from "../../config/params";
import type { ApiKeyPrincipal, UserPrincipal } from "../../auth/authenticate";
import { DEFAULT_JOB_LEASE_MS } from "../../core/jobsApi/model";
import { askRunner, type RpcOutcome } from "../../core/runnerAsks/askRunner";
import { RunnerUnavailable } from "../../http/errors";
import { endpoint, type Reply } from "../../http/route";
import { actorOf, JOBS_READ, JOBS_WRITE } from "./auth";
import { DEFAULT_PRESENCE_MS } from "./intake";

const DEFAULT_RPC_WAIT_MS = 25_000;
/** Installing and removing plugins changes what the team's runners run: team admins only. */
const TEAM_ADMIN = { accept: ["user"], role: "admin" } as const;
const pluginParams = z.object({ id: pluginId });

interface Ask {
  method: RpcMethod;
  pluginId: string | null;
  params: Record<string, unknown>;
  offer: string;
  missing: string;
}

/**
 * Asks and shapes the answer: 200 `{ jobId, runnerId, answer }` when the runner answered; 502
 * `{ error: "RUNNER_FAILED", message, jobId }` when it tried and failed (its error, as it said it).
 */
async function ask(principal: UserPrincipal | ApiKeyPrincipal, what: Ask, now: Date): Promise<Reply> {
  const outcome: RpcOutcome = await askRunner(
    { teamId: principal.teamId, actor: actorOf(principal), ...what },
    {
      onlineMs: intParam(RUNNER_PRESENCE_MS, DEFAULT_PRESENCE_MS),
      waitMs: intParam(RPC_WAIT_MS, DEFAULT_RPC_WAIT_MS),
      leaseMs: intParam(JOB_LEASE_MS, DEFAULT_JOB_LEASE_MS),
    },
    now,
  );
  if (outcome.status === "SUCCEEDED")
    return { body: { jobId: outcome.jobId, runnerId: outcome.runnerId, answer: outcome.answer } };
  throw new RunnerUnavailable(502, "RUNNER_FAILED", outcome.error, {
    jobId: outcome.jobId,
    ...(outcome.runnerId === null ? {} : { runnerId: outcome.runnerId }),
  });
}

const forPlugin = (method: RpcMethod, id: string, params: Record<string, unknown> = {}): Ask => ({
  method,
  pluginId: id,
  params,
  offer: pluginTag(id),
  missing: "no-plugin",
});
const forCapability = (method: RpcMethod, capability: string, params: Record<string, unknown> = {}): Ask => ({
  method,
  pluginId: null,
  params,
  offer: capabilityTag(capability),
  missing: `no-${capability}`,
});

/** `GET /plugins` → `{ jobId, runnerId, answer: { plugins } }` from a runner offering `plugins`. */
export const listPlugins = endpoint({
  face: "jobs",
  method: "GET",
  path: "/plugins",
  auth: JOBS_READ,
  handler: ({ principal, now }) => ask(principal, forCapability("plugins.list", PLUGINS), now),
});

/** `POST /plugins/install` `{ id, source?, version?, options? }` (team admin) → the runner's answer. */
export const installPlugin = endpoint({
  face: "jobs",
  method: "POST",
  path: "/plugins/install",
  auth: TEAM_ADMIN,
  maxBodyBytes: MAX_RPC_BODY_BYTES,
  body: installPluginBody,
  handler: ({ principal, body, now }) => ask(principal, forCapability("plugins.install", PLUGINS, body), now),
});

/** `DELETE /plugins/:id` (team admin) → the answer of a runner that has the plugin. */
export const removePlugin = endpoint({
  face: "jobs",
  method: "DELETE",
  path: "/plugins/:id",
  auth: TEAM_ADMIN,
  params: pluginParams,
  handler: ({ principal, params, now }) => ask(principal, forPlugin("plugins.remove", params.id), now),
});

/** `GET /plugins/:id/models` → `{ …, answer: { models } }` from a runner that has the plugin. */
export const listPluginModels = endpoint({
  face: "jobs",
  method: "GET",
  path: "/plugins/:id/models",
  auth: JOBS_READ,
  params: pluginParams,
  handler: ({ principal, params, now }) => ask(principal, forPlugin("plugins.models", params.id), now),
});

/** `POST /plugins/:id/healthcheck` `{ … }?` → the plugin's health as a runner that has it sees it. */
export const healthcheckPlugin = endpoint({
  face: "jobs",
  method: "POST",
  path: "/plugins/:id/healthcheck",
  auth: JOBS_WRITE,
  maxBodyBytes: MAX_RPC_BODY_BYTES,
  params: pluginParams,
  body: rpcInputBody,
  handler: ({ principal, params, body, now }) => ask(principal, forPlugin("plugins.healthcheck", params.id, body), now),
});

const testRoute = (what: "git" | "tracker" | "llm") =>
  endpoint({
    face: "jobs",
    method: "POST",
    path: `/test/${what}`,
    auth: JOBS_WRITE,
    maxBodyBytes: MAX_RPC_BODY_BYTES,
    body: rpcInputBody,
    handler: ({ principal, body, now }) =>
      ask(principal, forCapability(`test.${what}`, what === "llm" ? LLM : what, body), now),
  });

/** `POST /test/git` `{ … }?`: a runner with `git` checks its git access (e.g. `{ repo }`). */
export const testGit = testRoute("git");
/** `POST /test/tracker` `{ … }?`: a runner with `tracker` checks its tracker access. */
export const testTracker = testRoute("tracker");
/** `POST /test/llm` `{ … }?`: a runner with `llm` checks its provider (a tiny prompt). */
export const testLlm = testRoute("llm");
