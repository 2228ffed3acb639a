import type { MetricsAnswer } from "../../../../contract/src/metrics";

/** The Prometheus text exposition format's content type. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Labels = Record<string, string>;

/** Escapes a label value as the exposition format asks: backslash, double quote, newline. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function sample(name: string, labels: Labels, value: number | null): string {
  const inner = Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(",");
  return `${name}{${inner}} ${value === null ? "NaN" : String(value)}`;
}

/** A scrape in the Prometheus text format (version 0.0.4), from the same answer the JSON carries. */
export function prometheusText(m: MetricsAnswer): string {
  const lines: string[] = [];
  const family = (name: string, type: "gauge" | "counter" | "summary", help: string) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  family("runnerplane_jobs", "gauge", "Jobs by queue and state (leased includes running).");
  for (const q of m.queues)
    for (const status of ["pending", "delayed", "leased", "paused"] as const)
      lines.push(sample("runnerplane_jobs", { queue: q.queue, status }, q.jobs[status]));

  const quantiles = (
    name: string,
    help: string,
    pick: (q: MetricsAnswer["queues"][number]) => typeof q.waitSeconds,
  ) => {
    family(name, "summary", help);
    for (const q of m.queues) {
      const d = pick(q);
      lines.push(sample(name, { queue: q.queue, quantile: "0.5" }, d.p50));
      lines.push(sample(name, { queue: q.queue, quantile: "0.9" }, d.p90));
      lines.push(sample(name, { queue: q.queue, quantile: "0.99" }, d.p99));
      lines.push(sample(`${name}_count`, { queue: q.queue }, d.count));
    }
  };
  quantiles(
    "runnerplane_job_wait_seconds",
    `Queued to first leased, over the last ${m.windowSeconds} s.`,
    (q) => q.waitSeconds,
  );
  quantiles("runnerplane_job_run_seconds", `Leased to ended, over the last ${m.windowSeconds} s.`, (q) => q.runSeconds);

  family("runnerplane_jobs_finished_total", "counter", "Jobs ended, by outcome.");
  for (const q of m.queues)
    for (const outcome of ["succeeded", "failed", "cancelled"] as const)
      lines.push(sample("runnerplane_jobs_finished_total", { queue: q.queue, outcome }, q.finished[outcome]));

  family("runnerplane_lease_expirations_total", "counter", "Leases that lapsed without a heartbeat.");
  for (const q of m.queues)
    lines.push(sample("runnerplane_lease_expirations_total", { queue: q.queue }, q.leaseExpirations));

  family("runnerplane_runners", "gauge", "Registered runners by face and state.");
  for (const r of m.runners)
    for (const status of ["online", "busy", "offline"] as const)
      lines.push(sample("runnerplane_runners", { face: r.face, status }, r[status]));

  family("runnerplane_runner_slots", "gauge", "Job slots of live runners (their max concurrency), busy and free.");
  lines.push(sample("runnerplane_runner_slots", { state: "busy" }, m.slots.busy));
  lines.push(sample("runnerplane_runner_slots", { state: "free" }, m.slots.free));
  return `${lines.join("\n")}\n`;
}
