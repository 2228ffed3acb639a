/**
 * Seed 002's routes a runner answers: what a runner offers (capabilities such as `llm`, `git`,
 * `tracker`, and the plugins it has), the intake chat a runner with `llm` streams, and the short
 * rpc requests a runner with a plugin answers. A runner holds the LLM keys, the git credentials
 * and the plugins; the control plane never does, so these routes are jobs routed by what the
 * runner offers. No Firebase imports: the runner imports this module too.
 */
import { z } from "zod";

/** A capability a runner advertises: `llm`, `git`, `tracker`, `plugins`, or a team's own. */
export const capabilityName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "1-32 lower-case letters, digits or -");
/** A plugin's id as it appears in `/plugins/:id` (path-safe). */
export const pluginId = z.string().regex(/^[A-Za-z0-9_.-]{1,48}$/, "1-48 letters, digits, _ . or -");
export const MAX_CAPABILITIES = 16;
export const MAX_PLUGINS = 32;

/** Well-known capabilities: the intake chat needs `llm`; `/plugins` and `/plugins/install` need `plugins`. */
export const LLM = "llm";
export const PLUGINS = "plugins";

/** The capabilities a runner offers: at most MAX_CAPABILITIES, each once. */
export const capabilityList = z
  .array(capabilityName)
  .max(MAX_CAPABILITIES)
  .refine((list) => new Set(list).size === list.length, "capabilities must be unique");
/** The plugins a runner has: at most MAX_PLUGINS, each once. */
export const pluginList = z
  .array(pluginId)
  .max(MAX_PLUGINS)
  .refine((list) => new Set(list).size === list.length, "plugins must be unique");

/**
 * What a runner sends with each lease and heartbeat, on the jobs API and the fleet (both
 * optional: a runner that sends neither offers nothing and is never handed `llm` or `rpc` jobs).
 * A fleet registration sends the same lists in `x-runner-capabilities` / `x-runner-plugins`.
 */
export const runnerOffers = {
  capabilities: capabilityList.optional(),
  plugins: pluginList.optional(),
};

/**
 * The routing tag of a capability or a plugin. Jobs that need one carry its tag, and a runner's
 * lease adds the tags of what it offers to its own, so the queue's tag routing (a job goes to a
 * runner that carries all its tags) routes them without a second mechanism.
 */
export function capabilityTag(capability: string): string {
  return `cap:${capability}`;
}
export function pluginTag(plugin: string): string {
  return `plugin:${plugin}`;
}
export function offerTags(offers: { capabilities?: readonly string[]; plugins?: readonly string[] }): string[] {
  return [...(offers.capabilities ?? []).map(capabilityTag), ...(offers.plugins ?? []).map(pluginTag)];
}

/* ---------- Intake chat (`POST /intake/stream`) ---------- */

/** Session budgets (seed 002): turns per sessionId, output tokens per turn and in all. */
export const INTAKE_MAX_TURNS = 8;
export const INTAKE_MAX_TURN_OUTPUT_TOKENS = 4_000;
export const INTAKE_MAX_SESSION_TOKENS = 30_000;
export const MAX_INTAKE_MESSAGES = 100;
export const MAX_INTAKE_MESSAGE_CHARS = 32_000;
/** Largest intake request body. */
export const MAX_INTAKE_BODY_BYTES = 512 * 1024;

export const intakeMessage = z
  .object({
    role: z.enum(["user", "assistant", "system"]),
    content: z.string().max(MAX_INTAKE_MESSAGE_CHARS),
  })
  .strict();

/** A JSON object with bounded depth: the context travels to the runner as given. */
const contextObject = z.record(z.string(), z.unknown()).refine((value) => depthOf(value) <= 8, "nested too deep");

function depthOf(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const items = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  return 1 + items.reduce<number>((max, item) => Math.max(max, depthOf(item)), 0);
}

export const intakeStreamBody = z
  .object({
    sessionId: z.string().regex(/^[\x21-\x7e]{1,200}$/, "1-200 printable ASCII characters"),
    messages: z.array(intakeMessage).min(1).max(MAX_INTAKE_MESSAGES),
    model: z.string().trim().min(1).max(200).optional(),
    provider: z.string().trim().min(1).max(100).optional(),
    context: contextObject.default({}),
  })
  .strict();
export type IntakeStreamBody = z.infer<typeof intakeStreamBody>;

/**
 * What a runner gets in an `llm` job's `payload` (its stdin, for the configured `llm` command):
 * the chat, and the most output tokens the server lets this turn use (the per-turn cap, or what
 * is left of the session's).
 */
export const llmPayloadSchema = z.looseObject({
  sessionId: z.string(),
  messages: z.array(z.looseObject({ role: z.string(), content: z.string() })),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  context: z.record(z.string(), z.unknown()),
  maxOutputTokens: z.number().int().min(0),
});
export type LlmPayload = z.infer<typeof llmPayloadSchema>;

export const MAX_TOKEN_CHUNKS_PER_POST = 500;
export const MAX_TOKEN_CHUNK_CHARS = 4_000;
/** Largest token post body. */
export const MAX_TOKENS_BODY_BYTES = 256 * 1024;

/**
 * `POST /jobs/:jobId/runner/tokens` `{ runnerId, leaseToken, offset, chunks, outputTokens? }`:
 * output of an `llm` job as it comes. `offset` counts the chunks this lease sent before (a retry
 * is stored once); `outputTokens` is the turn's output so far as the provider reports it (the
 * server counts at least one token a chunk).
 */
export const tokenChunksFields = {
  offset: z.number().int().min(0).max(1_000_000),
  chunks: z.array(z.string().max(MAX_TOKEN_CHUNK_CHARS)).max(MAX_TOKEN_CHUNKS_PER_POST),
  outputTokens: z.number().int().min(0).max(10_000_000).optional(),
};
/** `{ accepted, nextOffset, stop }`: `stop` says the turn passed its budget; end the call (the job has ended). */
export const tokenChunksAnswer = z.looseObject({
  accepted: z.number().int().min(0),
  nextOffset: z.number().int().min(0),
  stop: z.boolean(),
});
export type TokenChunksAnswer = z.infer<typeof tokenChunksAnswer>;

/** Usage a runner reports when it completes an `llm` job (`result.usage`). */
export const llmUsage = z.looseObject({
  inputTokens: z.number().int().min(0).optional(),
  outputTokens: z.number().int().min(0).optional(),
});

/* ---------- Runner rpc (`/plugins/*`, `/test/*`) ---------- */

/** The methods an `rpc` job may carry; a runner answers each with a JSON object. */
export const RPC_METHODS = [
  "plugins.list",
  "plugins.install",
  "plugins.remove",
  "plugins.models",
  "plugins.healthcheck",
  "test.git",
  "test.tracker",
  "test.llm",
] as const;
export type RpcMethod = (typeof RPC_METHODS)[number];

/** An `rpc` job's `payload`: the method, the plugin it is for (if any), and the caller's input. */
export const rpcPayloadSchema = z.looseObject({
  method: z.enum(RPC_METHODS),
  pluginId: z.string().nullable(),
  params: z.record(z.string(), z.unknown()),
});
export type RpcPayload = z.infer<typeof rpcPayloadSchema>;

/** Largest rpc request body (install specs, test inputs). */
export const MAX_RPC_BODY_BYTES = 64 * 1024;
/** The body of `POST /plugins/install`: which plugin, from where (the runner decides what that means). */
export const installPluginBody = z
  .object({
    id: pluginId,
    source: z.string().trim().min(1).max(2_000).optional(),
    version: z.string().trim().min(1).max(100).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
/** The body of `/test/*` and `/plugins/:id/healthcheck`: whatever the runner's handler reads, as an object. */
export const rpcInputBody = z.record(z.string(), z.unknown()).refine((v) => depthOf(v) <= 8, "nested too deep");
