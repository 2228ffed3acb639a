/**
 * Workspace generations (seed 001): the `workspace` command from the config runs with
 * `{ workspaceId, workspace, context }` (the leased workspace and its runner context) as JSON on
 * stdin, and prints the completion as one JSON document on stdout:
 * `{ assistantMessage, files?, charts?, datasets?, lists?, checklists?, svgs?, summary? }`.
 * `summary` (`{ summaryText, fromMessageId, throughMessageId }`) is stored first, when given.
 * Exit 0 completes the job with the rest; anything else fails it. stderr lines go to the
 * runner's own output (seed 001 has no job log).
 */
import type { CommandFaceConfig } from "../config";
import { RunnerApiError } from "../client/http";
import {
  MAX_WORKSPACE_ERROR_CHARS,
  type WorkspaceClient,
  type WorkspaceCompletion,
  type WorkspaceContext,
  type WorkspaceSummary,
} from "../client/workspace";
import { completionBody, MAX_COMPLETION_BYTES } from "../../../contract/src/workspace";
import { summaryBody } from "../../../contract/src/workspace";
import { ChildRun, type ChildExit } from "../process/child";
import { TailBuffer } from "../process/lines";
import {
  clip,
  commandEnv,
  confinementFor,
  describeError,
  LeaseKeeper,
  reportEnd,
  strongerStop,
  withWorkDir,
} from "./common";
import type { StopReason, Work, WorkContext, WorkResult, WorkSource } from "./types";

const STDERR_LINE_CHARS = 4_096;
const FAILURE_TAIL_BYTES = 2_000;

export class WorkspaceSource implements WorkSource {
  readonly face = "workspace";
  /** leaseWorkspaceJob hands out one job per call. */
  readonly maxBatch = 1;

  constructor(
    private readonly ctx: WorkContext,
    private readonly client: WorkspaceClient,
    private readonly spec: CommandFaceConfig,
  ) {}

  async lease(_limit = 1, waitMs = 0, signal?: AbortSignal): Promise<Work[]> {
    const answer = await this.client.lease(waitMs, signal);
    return answer.leased ? [new WorkspaceWork(this.ctx, this.client, answer, this.spec)] : [];
  }
}

interface Leased {
  workspaceId: string;
  leaseExpiresAt: number;
  workspace: Record<string, unknown>;
}

export class WorkspaceWork implements Work {
  readonly face = "workspace";
  readonly leaseFollowsHolder = true;
  private stopReason: StopReason | null = null;
  private child: ChildRun | null = null;
  /** Seed 001 has no lease token; one lease per workspace and lease time tells leases apart. */
  private readonly leaseKey: string;

  constructor(
    private readonly ctx: WorkContext,
    private readonly client: WorkspaceClient,
    private readonly lease: Leased,
    private readonly spec: CommandFaceConfig,
  ) {
    this.leaseKey = String(lease.leaseExpiresAt);
  }

  get id(): string {
    return this.lease.workspaceId;
  }

  stop(reason: StopReason): void {
    this.stopReason = strongerStop(this.stopReason, reason);
    this.child?.stop();
  }

  async run(): Promise<WorkResult> {
    const keeper = new LeaseKeeper(
      () => this.heartbeat(),
      this.lease.leaseExpiresAt,
      (error) =>
        this.ctx.log("warn", "heartbeat-failed", { face: this.face, jobId: this.id, error: describeError(error) }),
    );
    keeper.start();
    try {
      return await withWorkDir("workspace", (dir) => this.runIn(dir));
    } catch (error) {
      if (error instanceof RunnerApiError && error.leaseLost) return { outcome: "LOST", detail: error.reason };
      this.ctx.log("error", "job-crashed", { face: this.face, jobId: this.id, error: describeError(error) });
      return await this.fail(`The runner could not run the generation: ${describeError(error)}`);
    } finally {
      keeper.stop();
    }
  }

  private async runIn(dir: string): Promise<WorkResult> {
    const context: WorkspaceContext = await this.client.context(this.id);
    const stdout = new TailBuffer(MAX_COMPLETION_BYTES);
    const stderr = new TailBuffer(FAILURE_TAIL_BYTES);
    let exit: ChildExit | null = null;
    if (this.stopReason === null) {
      this.child = new ChildRun({
        confine: confinementFor(this.ctx, this.id, null),
        command: this.spec.command,
        cwd: this.spec.cwd ?? dir,
        env: commandEnv({
          ...this.spec.env,
          RUNNER_ID: this.ctx.runnerId,
          RUNNER_WORKSPACE_ID: this.id,
          RUNNER_WORK_DIR: dir,
        }),
        stdin: JSON.stringify({ workspaceId: this.id, workspace: this.lease.workspace, context }),
        timeoutMs: this.spec.timeoutMs ?? 0,
        controlChannel: false,
        maxLineChars: STDERR_LINE_CHARS,
        onLine: (line, stream) => {
          if (stream === "stderr") this.ctx.log("debug", "output", { face: this.face, jobId: this.id, line });
        },
        onChunk: (chunk, stream) => (stream === "stdout" ? stdout : stderr).write(chunk),
      });
      if (this.stopReason !== null) this.child.stop();
      exit = await this.child.exited;
    }
    if (this.stopReason === "lease-lost") return { outcome: "LOST", detail: "lease lost while running" };
    // Seed 001 cannot hand a job back: stopping ends it as failed rather than leave it to expire.
    if (exit === null || (exit.stopped && !exit.timedOut))
      return this.fail("The runner shut down before the generation finished.");
    if (exit.spawnError !== null)
      return this.fail(`Could not start ${JSON.stringify(this.spec.command[0])}: ${exit.spawnError}`);
    if (exit.timedOut) return this.fail(`Timed out after ${this.spec.timeoutMs ?? 0} ms.`);
    if (exit.code !== 0)
      return this.fail(
        `The command exited with ${exit.code === null ? (exit.signal ?? "a signal") : `code ${exit.code}`}.\n${stderr.text().trim()}`,
      );
    if (stdout.dropped > 0) return this.fail(`The command printed more than ${MAX_COMPLETION_BYTES} bytes.`);
    const printed = parseCompletion(stdout.text(), this.id);
    if (typeof printed === "string") return this.fail(printed);
    if (printed.summary !== undefined) {
      try {
        await this.client.summary(printed.summary);
      } catch (error) {
        if (error instanceof RunnerApiError && error.leaseLost) return { outcome: "LOST", detail: error.reason };
        return this.fail(`Storing the summary failed: ${describeError(error)}`);
      }
    }
    const completion = printed.completion;
    return reportEnd(this.ctx, "workspace", this.id, this.leaseKey, "SUCCEEDED", () =>
      this.client.complete(completion),
    );
  }

  private async heartbeat(): Promise<number> {
    try {
      return (await this.client.heartbeat(this.id)).leaseExpiresAt;
    } catch (error) {
      if (error instanceof RunnerApiError && error.leaseLost) this.stop("lease-lost");
      throw error;
    }
  }

  private fail(reason: string): Promise<WorkResult> {
    return reportEnd(
      this.ctx,
      "workspace",
      this.id,
      this.leaseKey,
      "FAILED",
      () => this.client.fail(this.id, clip(reason, MAX_WORKSPACE_ERROR_CHARS)),
      reason,
    );
  }
}

/** The command's stdout as a completion (and optional summary), or why it is not one. */
export function parseCompletion(
  stdout: string,
  workspaceId: string,
): { completion: WorkspaceCompletion; summary?: WorkspaceSummary } | string {
  let value: unknown;
  try {
    value = JSON.parse(stdout);
  } catch {
    return "The workspace command must print one JSON object { assistantMessage, files?, charts?, … } on stdout.";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return "The workspace command's output is not a JSON object.";
  const { summary, ...rest } = value as Record<string, unknown>;
  // The shapes the server parses; deliverable slices are checked by the server (400 naming the slice).
  const completion = completionBody.safeParse({ ...rest, workspaceId });
  if (!completion.success) return `The workspace command's output is not a completion: ${issuesOf(completion.error)}`;
  if (summary === undefined || summary === null) return { completion: completion.data };
  const parsedSummary = summaryBody.safeParse({ ...(typeof summary === "object" ? summary : {}), workspaceId });
  if (!parsedSummary.success) return `The workspace command's summary is not valid: ${issuesOf(parsedSummary.error)}`;
  return { completion: completion.data, summary: parsedSummary.data };
}

function issuesOf(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.map(String).join(".") || "(object)"}: ${i.message}`)
    .join("; ");
}
