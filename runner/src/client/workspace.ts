/**
 * The workspace runner API (seed 001, spec/workspace-runner-api.md): lease a workspace
 * generation, heartbeat, read its context, store a summary, complete with deliverables, or fail.
 * Auth: a runner key `credentialId.secret` from `POST /createRunnerInstance`.
 */
import type { z } from "zod";
import type { buildRunnerContext } from "../../../functions/src/core/workspaces/buildRunnerContext";
import type { heartbeatWorkspaceJob } from "../../../functions/src/core/workspaces/heartbeatWorkspaceJob";
import type { LeaseAnswer } from "../../../functions/src/core/workspaces/leaseWorkspaceJob";
import { completionBody } from "../../../functions/src/faces/workspace/completeWorkspaceJob";
import { failBody } from "../../../functions/src/faces/workspace/failWorkspaceJob";
import { workspaceRef } from "../../../functions/src/faces/workspace/schemas";
import { summaryBody } from "../../../functions/src/faces/workspace/updateWorkspaceRunnerSummary";
import type { HttpClient } from "./http";
import { checked } from "./validate";

export { MAX_ERROR_CHARS as MAX_WORKSPACE_ERROR_CHARS } from "../../../functions/src/faces/workspace/failWorkspaceJob";

export type WorkspaceLease = LeaseAnswer;
export type WorkspaceContext = Awaited<ReturnType<typeof buildRunnerContext>>;
export type WorkspaceHeartbeat = { ok: true } & Awaited<ReturnType<typeof heartbeatWorkspaceJob>>;
export type WorkspaceCompletion = z.input<typeof completionBody>;
export type WorkspaceSummary = z.input<typeof summaryBody>;

export class WorkspaceClient {
  constructor(private readonly http: HttpClient) {}

  async lease(): Promise<WorkspaceLease> {
    return (await this.http.request<WorkspaceLease>({ method: "POST", path: "/leaseWorkspaceJob", json: {}, retry: "unprocessed" })).body;
  }

  async heartbeat(workspaceId: string): Promise<WorkspaceHeartbeat> {
    return this.post<WorkspaceHeartbeat>("heartbeatWorkspaceJob", checked(workspaceRef, { workspaceId }, "heartbeat"));
  }

  async context(workspaceId: string): Promise<WorkspaceContext> {
    return this.post<WorkspaceContext>("getWorkspaceRunnerContext", checked(workspaceRef, { workspaceId }, "context"));
  }

  async summary(summary: WorkspaceSummary): Promise<{ ok: true }> {
    return this.post<{ ok: true }>("updateWorkspaceRunnerSummary", checked(summaryBody, summary, "summary"));
  }

  /** An identical repeat by the holder answers `duplicate: true` and stores nothing twice. */
  async complete(completion: WorkspaceCompletion): Promise<{ ok: true; messageId?: string; duplicate?: boolean }> {
    return this.post("completeWorkspaceJob", checked(completionBody, completion, "complete"), COMPLETE_TIMEOUT_MS);
  }

  async fail(workspaceId: string, error: string): Promise<{ ok: true }> {
    return this.post<{ ok: true }>("failWorkspaceJob", checked(failBody, { workspaceId, error }, "fail"));
  }

  private async post<T>(name: string, json: unknown, timeoutMs?: number): Promise<T> {
    return (await this.http.request<T>({ method: "POST", path: `/${name}`, json, timeoutMs })).body;
  }
}

/** Completions carry up to 8 MiB of deliverables. */
const COMPLETE_TIMEOUT_MS = 120_000;
