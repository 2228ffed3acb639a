/**
 * A seed 001 runner written only against the wire contract (spec/workspace-runner-api.md), the
 * way the open-source runner talks to production: lease, load context, summarise prior history,
 * heartbeat, complete with one deliverable of every kind. It imports nothing from Runnerplane.
 *
 *   RUNNER_API=http://127.0.0.1:5000 RUNNER_TOKEN=<credentialId.secret> npx tsx examples/workspace-runner.ts
 *
 * Polls until one job is done (or RUNNER_MAX_WAIT_MS passes), prints one JSON line per step.
 */
// RUNNER_API, as the reference runner reads it (RUNNER_API_BASE is accepted from older notes).
const base = process.env.RUNNER_API ?? process.env.RUNNER_API_BASE ?? "http://127.0.0.1:5000";
const token = process.env.RUNNER_TOKEN ?? "";
const maxWaitMs = Number(process.env.RUNNER_MAX_WAIT_MS ?? 60_000);

async function post<T>(name: string, body: unknown): Promise<T> {
  const response = await fetch(`${base}/${name}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as T;
  if (!response.ok) throw new Error(`${name} → ${response.status} ${JSON.stringify(json)}`);
  return json;
}

function step(event: string, detail: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ event, ...detail }));
}

interface Context {
  workspaceId: string;
  title: string | null;
  messageCount: number;
  recentText: string;
  priorMessages: { id: string }[];
  storedSummaryCoversPrior: boolean;
}

async function main(): Promise<void> {
  if (token === "") throw new Error("set RUNNER_TOKEN");
  const deadline = Date.now() + maxWaitMs;
  let lease: { leased: boolean; workspaceId?: string } = { leased: false };
  while (!lease.leased) {
    lease = await post("leaseWorkspaceJob", {});
    if (!lease.leased) {
      if (Date.now() > deadline) throw new Error("no job to lease");
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const workspaceId = lease.workspaceId ?? "";
  step("leased", { workspaceId });
  const context = await post<Context>("getWorkspaceRunnerContext", { workspaceId });
  step("context", { messageCount: context.messageCount, prior: context.priorMessages.length });
  const first = context.priorMessages[0];
  const last = context.priorMessages[context.priorMessages.length - 1];
  if (first !== undefined && last !== undefined && !context.storedSummaryCoversPrior) {
    await post("updateWorkspaceRunnerSummary", {
      workspaceId,
      summaryText: "Earlier, the user set out the goal.",
      fromMessageId: first.id,
      throughMessageId: last.id,
    });
    step("summarised", { from: first.id, through: last.id });
  }
  const beat = await post<{ leaseExpiresAt: number }>("heartbeatWorkspaceJob", { workspaceId });
  step("heartbeat", { leaseExpiresAt: beat.leaseExpiresAt });
  await post("completeWorkspaceJob", {
    workspaceId,
    assistantMessage:
      `Here is the plan for ${context.title ?? "your workspace"}.\n\n{{artifact:chart:revenue}}\n{{artifact:table:costs}}\n` +
      "{{artifact:list:steps}}\n{{artifact:checklist:launch}}\n{{artifact:svg:logo}}\n{{artifact:file:plan.md}}",
    files: [{ name: "plan.md", content: "# Plan\n\n1. Build it.\n2. Ship it.\n" }],
    charts: [
      {
        id: "revenue",
        kind: "bar",
        title: "Revenue",
        labels: ["Q1", "Q2"],
        series: [{ name: "2026", values: [10, 14] }],
      },
    ],
    datasets: [
      {
        id: "costs",
        kind: "table",
        title: "Costs",
        columns: ["Item", "Cost"],
        rows: [
          ["Servers", "120"],
          ["People", "900"],
        ],
      },
    ],
    lists: [{ id: "steps", kind: "list", ordered: true, items: ["Design", "Build", "Launch"] }],
    checklists: [{ id: "launch", kind: "checklist", items: [{ id: "dns", label: "Point DNS", checked: false }] }],
    svgs: [
      {
        id: "logo",
        title: "Logo",
        content: '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
      },
    ],
  });
  step("completed", { workspaceId });
}

main().catch((error: unknown) => {
  step("error", { message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
