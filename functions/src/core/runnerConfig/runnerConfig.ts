/**
 * The team's runner configuration: one validated JSON document, versioned. `PUT` with `If-Match`
 * is a compare-and-set on the version inside a transaction, so of two writers that read the same
 * version exactly one wins and the other gets 412 (its transaction conflicts, retries, and then
 * sees the newer version). Runners learn the version in every jobs-API heartbeat answer and fetch
 * the document when it differs from theirs.
 */
import { Timestamp } from "firebase-admin/firestore";
import type { RunnerConfig } from "../../../../contract/src/intelligence";
import { db } from "../../data/firestore";
import { runnerConfigRef, runnerConfigVersions, versionId, type RunnerConfigDoc } from "../../data/intelligence";
import { assert, NotFound, PreconditionFailed } from "../../http/errors";
import { ifMatchHolds } from "../../http/preconditions";
import { canonicalJson } from "../jobs/canonicalJson";
import { sha256Hex } from "../intelligence/files";

export interface ConfigView {
  version: number;
  config: Record<string, unknown>;
  updatedAt: string | null;
  updatedBy: string | null;
}

function view(doc: RunnerConfigDoc | undefined): ConfigView {
  if (doc === undefined) return { version: 0, config: {}, updatedAt: null, updatedBy: null };
  return {
    version: doc.version,
    config: doc.config,
    updatedAt: doc.updatedAt.toDate().toISOString(),
    updatedBy: doc.updatedBy,
  };
}

/** `GET /config` (version 0, `{}` until the first save), or one saved version (`?version=`). */
export async function readRunnerConfig(teamId: string, version?: number): Promise<ConfigView> {
  if (version === undefined) return view((await runnerConfigRef(teamId).get()).data());
  const old = (await runnerConfigVersions(teamId).doc(versionId(version)).get()).data();
  assert(old !== undefined, new NotFound("CONFIG_VERSION_NOT_FOUND", "The configuration has no such version."));
  return { version: old.version, config: old.config, updatedAt: old.at.toDate().toISOString(), updatedBy: old.by };
}

/** The version runners compare against theirs (0: nothing saved). One document read. */
export async function runnerConfigVersion(teamId: string): Promise<number> {
  return (await runnerConfigRef(teamId).get()).data()?.version ?? 0;
}

/**
 * `PUT /config`: saves `config` as the next version unless `If-Match` names another (412 with
 * the current version). Saving what is already there is not a new version.
 */
export async function putRunnerConfig(
  teamId: string,
  config: RunnerConfig,
  ifMatch: undefined | "any" | number[],
  by: string,
  now: Date,
): Promise<ConfigView> {
  const ref = runnerConfigRef(teamId);
  const sha256 = sha256Hex(canonicalJson(config));
  return db().runTransaction(async (tx) => {
    const current = (await tx.get(ref)).data();
    const currentVersion = current?.version ?? 0;
    assert(
      ifMatchHolds(ifMatch, currentVersion),
      new PreconditionFailed(
        `The configuration is at version ${currentVersion}; read it again and reapply your change.`,
        { currentVersion },
      ),
    );
    if (current !== undefined && current.sha256 === sha256) return view(current);
    const at = Timestamp.fromDate(now);
    const doc: RunnerConfigDoc = { config, version: currentVersion + 1, sha256, updatedBy: by, updatedAt: at };
    tx.set(ref, doc);
    tx.create(runnerConfigVersions(teamId).doc(versionId(doc.version)), { version: doc.version, config, by, at });
    return view(doc);
  });
}

/**
 * `GET /config/claude-code-mcps`: the configuration's MCP servers in Claude Code's `.mcp.json`
 * shape (`{ mcpServers: { name: { command, args, env } | { type, url, headers } } }`), so a
 * runner writes it as is; `${NAME}` references stay for the runner to resolve.
 */
export async function readClaudeCodeMcps(teamId: string) {
  const current = await readRunnerConfig(teamId);
  const claudeCode = (current.config as RunnerConfig).claudeCode;
  return { version: current.version, mcpServers: claudeCode?.mcpServers ?? {} };
}
