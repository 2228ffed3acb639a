/**
 * The workspace runner API (seed 001, spec/workspace-runner-api.md): lease a workspace
 * generation, heartbeat, read its context, store a summary, complete with deliverables, or fail.
 * Auth: a runner key `credentialId.secret` from `POST /createRunnerInstance`.
 */
import type { z } from "zod";
import {
  completionBody,
  failBody,
  summaryBody,
  workspaceCompleteAnswer,
  workspaceContextSchema,
  workspaceHeartbeatAnswer,
  workspaceLeaseAnswer,
  workspaceOkAnswer,
  workspaceRef,
  type WorkspaceContext,
  type WorkspaceHeartbeat,
  type WorkspaceLease,
} from "../../../contract/src/workspace";
import { waitOptions, type HttpClient } from "./http";
import { checked } from "./validate";

export { MAX_ERROR_CHARS as MAX_WORKSPACE_ERROR_CHARS } from "../../../contract/src/workspace";

export type { WorkspaceContext, WorkspaceHeartbeat, WorkspaceLease };
export type WorkspaceCompletion = z.input<typeof completionBody>;
export type WorkspaceSummary = z.input<typeof summaryBody>;

export class WorkspaceClient {
  constructor(private readonly http: HttpClient) {}

  /** Seed 001's `{}` answers at once; `waitMs` (ours) waits for a job. */
  async lease(waitMs = 0, signal?: AbortSignal): Promise<WorkspaceLease> {
    return (
      await this.http.request(
        {
          method: "POST",
          path: "/leaseWorkspaceJob",
          json: waitMs > 0 ? { waitMs } : {},
          retry: "unprocessed",
          ...waitOptions(waitMs, signal),
        },
        workspaceLeaseAnswer,
      )
    ).body;
  }

  async heartbeat(workspaceId: string): Promise<WorkspaceHeartbeat> {
    return this.post(
      "heartbeatWorkspaceJob",
      checked(workspaceRef, { workspaceId }, "heartbeat"),
      workspaceHeartbeatAnswer,
    );
  }

  async context(workspaceId: string): Promise<WorkspaceContext> {
    return this.post(
      "getWorkspaceRunnerContext",
      checked(workspaceRef, { workspaceId }, "context"),
      workspaceContextSchema,
    );
  }

  async summary(summary: WorkspaceSummary): Promise<{ ok: true }> {
    return this.post("updateWorkspaceRunnerSummary", checked(summaryBody, summary, "summary"), workspaceOkAnswer);
  }

  /** An identical repeat by the holder answers `duplicate: true` and stores nothing twice. */
  async complete(completion: WorkspaceCompletion): Promise<{ ok: true; messageId?: string; duplicate?: boolean }> {
    return this.post(
      "completeWorkspaceJob",
      checked(completionBody, completion, "complete"),
      workspaceCompleteAnswer,
      COMPLETE_TIMEOUT_MS,
    );
  }

  async fail(workspaceId: string, error: string): Promise<{ ok: true }> {
    return this.post("failWorkspaceJob", checked(failBody, { workspaceId, error }, "fail"), workspaceOkAnswer);
  }

  private async post<S extends z.ZodType>(
    name: string,
    json: unknown,
    answer: S,
    timeoutMs?: number,
  ): Promise<z.output<S>> {
    return (await this.http.request({ method: "POST", path: `/${name}`, json, timeoutMs }, answer)).body;
  }
}

/** Completions carry up to 8 MiB of deliverables. */
const COMPLETE_TIMEOUT_MS = 120_000;
