/**
 * Seed 002's `GET|PUT /config` and `GET /config/claude-code-mcps`: the team's runner
 * configuration. Readable by the team's people and its runners' keys; saved by admins only,
 * since it tells the team's runners which commands to start (MCP servers).
 */
import { z } from "zod";
import { MAX_CONFIG_BYTES, runnerConfigSchema } from "../../../../contract/src/intelligence";
import { putRunnerConfig, readClaudeCodeMcps, readRunnerConfig } from "../../core/runnerConfig/runnerConfig";
import { endpoint } from "../../http/route";
import { etagOf, parseIfMatch } from "../../http/preconditions";
import { wholeNumber } from "../../http/schemas";
import { TEAM_RUNNER_READ } from "./intelligence";

/** `GET /config[?version=]` → `{ version, config, updatedAt, updatedBy }` with `ETag: "<version>"`. */
export const getRunnerConfig = endpoint({
  face: "jobs",
  method: "GET",
  path: "/config",
  auth: TEAM_RUNNER_READ,
  query: z.object({ version: wholeNumber(1, 999_999_999).optional() }),
  handler: async ({ principal, query }) => {
    const config = await readRunnerConfig(principal.teamId, query.version);
    return { body: config, headers: query.version === undefined ? { ETag: etagOf(config.version) } : undefined };
  },
});

/** `PUT /config` `{ config }` (admin), `If-Match: "<version>"` optional → the saved version; 412 when stale. */
export const putRunnerConfigEndpoint = endpoint({
  face: "jobs",
  method: "PUT",
  path: "/config",
  auth: { accept: ["user"], role: "admin" },
  maxBodyBytes: MAX_CONFIG_BYTES,
  headers: z.object({ "if-match": z.string().max(1_000).optional() }),
  body: z.object({ config: runnerConfigSchema }).strict(),
  handler: async ({ principal, headers, body, now }) => {
    const saved = await putRunnerConfig(
      principal.teamId,
      body.config,
      parseIfMatch(headers["if-match"]),
      principal.uid,
      now,
    );
    return { body: saved, headers: { ETag: etagOf(saved.version) } };
  },
});

/** `GET /config/claude-code-mcps` → `{ version, mcpServers }` (Claude Code's `.mcp.json` shape). */
export const getClaudeCodeMcps = endpoint({
  face: "jobs",
  method: "GET",
  path: "/config/claude-code-mcps",
  auth: TEAM_RUNNER_READ,
  handler: async ({ principal }) => {
    const mcps = await readClaudeCodeMcps(principal.teamId);
    return { body: mcps, headers: { ETag: etagOf(mcps.version) } };
  },
});
