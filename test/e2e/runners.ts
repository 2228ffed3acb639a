/**
 * Runners the Studio tests drive over HTTP, as real runners would: a seed 001 workspace runner
 * that answers with one deliverable of every kind (and every chart kind), and a seed 002 jobs
 * runner that keeps its lease alive in the background while the test steers the UI.
 */
import assert from "node:assert/strict";
import { call } from "../harness/stack";

/** A user's markdown file; its heading and list show it was rendered, not printed. */
export const PLAN_MD = "# Launch plan\n\n1. Build it.\n2. Ship it.\n\nSee **the checklist**.\n";

/** Every deliverable kind the spec has, each chart kind once, and one list no placeholder names. */
export const EVERY_DELIVERABLE = {
  assistantMessage:
    "Here is the plan for **Launch plan**.\n\n{{artifact:chart:revenue}}\n\nCosts so far:\n\n{{artifact:table:costs}}\n\n" +
    "{{artifact:chart:mix}}\n{{artifact:chart:trend}}\n{{artifact:chart:users}}\n{{artifact:chart:latency}}\n{{artifact:chart:share}}\n\n" +
    "Next steps:\n\n{{artifact:list:steps}}\n\n{{artifact:checklist:launch}}\n\n{{artifact:svg:logo}}\n\n{{artifact:file:plan.md}}\n\nThat is all.",
  files: [{ name: "plan.md", content: PLAN_MD }],
  charts: [
    {
      id: "revenue",
      kind: "bar",
      title: "Revenue by quarter",
      labels: ["Q1", "Q2", "Q3", "Q4"],
      series: [
        { name: "2025", values: [10, 14, 12, 18] },
        { name: "2026", values: [12, 17, 21, 25] },
      ],
    },
    {
      id: "mix",
      kind: "stacked_bar",
      title: "Revenue mix",
      labels: ["Jan", "Feb", "Mar"],
      series: [
        { name: "Cloud", values: [5, 6, 8] },
        { name: "On-prem", values: [3, 2, 2] },
      ],
    },
    {
      id: "trend",
      kind: "line",
      title: "Weekly active runners",
      labels: ["W1", "W2", "W3", "W4", "W5"],
      series: [{ name: "Runners", values: [40, 44, 43, 51, 58] }],
    },
    {
      id: "users",
      kind: "area",
      title: "Sign-ups",
      labels: ["Mon", "Tue", "Wed", "Thu", "Fri"],
      series: [
        { name: "Sign-ups", values: [3, 8, 6, 11, 9] },
        { name: "Invites", values: [1, 2, 4, 3, 5] },
      ],
    },
    {
      id: "latency",
      kind: "scatter",
      title: "Job size vs duration",
      series: [
        {
          name: "Jobs",
          points: [
            { x: 1, y: 12 },
            { x: 3, y: 25 },
            { x: 5, y: 41, label: "nightly" },
            { x: 8, y: 70 },
          ],
        },
      ],
    },
    {
      id: "share",
      kind: "pie",
      title: "Runner OS share",
      segments: [
        { label: "Linux", value: 62 },
        { label: "macOS", value: 25 },
        { label: "Windows", value: 13 },
      ],
    },
  ],
  datasets: [
    {
      id: "costs",
      kind: "table",
      title: "Costs",
      columns: ["Item", "Monthly cost"],
      rows: [
        ["Servers", "120"],
        ["People", "900"],
      ],
    },
  ],
  lists: [
    { id: "steps", kind: "list", title: "Steps", ordered: true, items: ["Design", "Build", "Launch"] },
    { id: "extras", kind: "list", title: "Also worth doing", items: ["Write the changelog"] },
  ],
  checklists: [
    {
      id: "launch",
      kind: "checklist",
      title: "Launch checklist",
      items: [
        { id: "dns", label: "Point DNS", checked: true },
        { id: "docs", label: "Publish docs", checked: false },
      ],
    },
  ],
  svgs: [
    {
      id: "logo",
      title: "Logo",
      // <animate> passes the server's checks but not DOMPurify's SVG profile (it can rewrite
      // attributes such as href after sanitising), so the Studio must drop it.
      content:
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40" width="80" height="80"><circle class="logo-dot" cx="20" cy="20" r="16" fill="#0072B2">' +
        '<animate attributeName="r" values="16;18;16" dur="2s" repeatCount="indefinite"/></circle></svg>',
    },
  ],
};

/** Seed 001: lease the workspace job, load its context, heartbeat, complete with every deliverable. */
export async function completeWorkspaceJob(runnerToken: string): Promise<string> {
  const lease = await call<{ leased: boolean; workspaceId?: string }>("POST", "/leaseWorkspaceJob", {
    token: runnerToken,
    body: {},
  });
  assert.equal(lease.status, 200, JSON.stringify(lease.body));
  assert.equal(lease.body.leased, true, "the queued generation should be leasable");
  const workspaceId = lease.body.workspaceId ?? "";
  const context = await call("POST", "/getWorkspaceRunnerContext", { token: runnerToken, body: { workspaceId } });
  assert.equal(context.status, 200, JSON.stringify(context.body));
  const beat = await call("POST", "/heartbeatWorkspaceJob", { token: runnerToken, body: { workspaceId } });
  assert.equal(beat.status, 200, JSON.stringify(beat.body));
  const done = await call("POST", "/completeWorkspaceJob", {
    token: runnerToken,
    body: { workspaceId, ...EVERY_DELIVERABLE },
  });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  return workspaceId;
}

interface LeasedJob {
  id: string;
  leaseToken: string;
}

export interface HeartbeatAnswer {
  cancelRequested: boolean;
  pauseRequested: boolean;
  messages: { seq: number; text: string }[];
}

/**
 * A seed 002 runner (API key with runners:write). The test shortens leases to seconds, so once it
 * holds a job it heartbeats every HEARTBEAT_MS in the background and records what it was told.
 */
export class JobsRunner {
  static readonly HEARTBEAT_MS = 1_000;
  job: LeasedJob | null = null;
  /** Every heartbeat answer, oldest first. */
  readonly heard: HeartbeatAnswer[] = [];
  private sent = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly apiKey: string,
    readonly runnerId: string,
  ) {}

  private headers() {
    return { "x-api-key": this.apiKey };
  }

  async lease(): Promise<LeasedJob> {
    const response = await call<{ jobs: LeasedJob[] }>("POST", "/jobs/runner/lease", {
      headers: this.headers(),
      body: { runnerId: this.runnerId },
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const job = response.body.jobs[0];
    assert.ok(job, "a job should be waiting");
    this.job = job;
    this.sent = 0;
    this.startHeartbeats();
    return job;
  }

  private held(): LeasedJob {
    assert.ok(this.job, "the runner holds no job");
    return this.job;
  }

  async heartbeat(): Promise<HeartbeatAnswer> {
    const job = this.held();
    const response = await call<HeartbeatAnswer>("POST", `/jobs/${job.id}/runner/heartbeat`, {
      headers: this.headers(),
      body: { runnerId: this.runnerId, leaseToken: job.leaseToken },
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    this.heard.push(response.body);
    return response.body;
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    this.timer = setInterval(() => {
      this.heartbeat().catch(() => {
        // A beat racing a release or completion loses; the test asserts on what it cares about.
      });
    }, JobsRunner.HEARTBEAT_MS);
  }

  stopHeartbeats(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  async log(...lines: string[]): Promise<void> {
    const job = this.held();
    const response = await call("POST", `/jobs/${job.id}/runner/logs`, {
      headers: this.headers(),
      body: { runnerId: this.runnerId, leaseToken: job.leaseToken, offset: this.sent, lines },
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    this.sent += lines.length;
  }

  async uploadArtifact(name: string, content: string, contentType = "text/plain"): Promise<void> {
    const job = this.held();
    const response = await call("POST", `/jobs/${job.id}/runner/artifacts?name=${encodeURIComponent(name)}`, {
      headers: {
        ...this.headers(),
        "x-runner-id": this.runnerId,
        "x-lease-token": job.leaseToken,
        "content-type": contentType,
      },
      rawBody: content,
    });
    assert.ok(response.status === 201 || response.status === 200, JSON.stringify(response.body));
  }

  /** Gives the job back as PAUSED / CANCELLED (acknowledging a control) or PENDING. */
  async release(status: "PENDING" | "PAUSED" | "CANCELLED"): Promise<void> {
    const job = this.held();
    this.stopHeartbeats();
    const response = await call("POST", `/jobs/${job.id}/runner/release`, {
      headers: this.headers(),
      body: { runnerId: this.runnerId, leaseToken: job.leaseToken, status },
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    this.job = null;
  }

  async complete(result: Record<string, unknown>): Promise<void> {
    const job = this.held();
    this.stopHeartbeats();
    const response = await call("POST", `/jobs/${job.id}/runner/complete`, {
      headers: this.headers(),
      body: { runnerId: this.runnerId, leaseToken: job.leaseToken, result },
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    this.job = null;
  }
}
