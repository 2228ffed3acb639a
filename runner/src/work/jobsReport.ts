import type { JobsClient, LeasedJob } from "../client/jobs";
import { reportEnd } from "./common";
import type { StopReason, WorkContext, WorkResult } from "./types";

/**
 * How a jobs-API job this runner holds is reported, whatever ran it (a job command, an `llm`
 * turn, an `rpc` request): complete or fail under its lease, or hand it back (release), each
 * once, through the ledger.
 */
export class JobsReport {
  constructor(
    private readonly ctx: WorkContext,
    private readonly client: JobsClient,
    private readonly job: LeasedJob,
  ) {}

  end(outcome: "SUCCEEDED" | "FAILED", error?: string, result: Record<string, unknown> = {}): Promise<WorkResult> {
    const { id, leaseToken } = this.job;
    const call =
      outcome === "SUCCEEDED"
        ? () => this.client.complete(id, leaseToken, result)
        : () => this.client.fail(id, leaseToken, error ?? "Failed.");
    return reportEnd(this.ctx, "jobs", id, leaseToken, outcome, call, error);
  }

  release(as: "PENDING" | "PAUSED" | "CANCELLED"): Promise<WorkResult> {
    const { id, leaseToken } = this.job;
    const outcome = as === "PENDING" ? "RELEASED" : as;
    return reportEnd(this.ctx, "jobs", id, leaseToken, outcome, () => this.client.release(id, leaseToken, as));
  }

  /** Acknowledges a stop the server asked for (cancel, pause) or the runner made (shutdown): the matching release. */
  releaseFor(reason: StopReason | null): Promise<WorkResult> {
    switch (reason) {
      case "cancel":
        return this.release("CANCELLED");
      case "pause":
        return this.release("PAUSED");
      default:
        return this.release("PENDING");
    }
  }
}
