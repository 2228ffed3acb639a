/**
 * Overview, the home page: the team's queues and fleet from `GET /api/metrics?history=1` —
 * queue depth and wait time over the last hour, runner utilisation, failures by reason — each
 * chart with its numbers beside it.
 */
import { useMemo } from "preact/hooks";
import type { MetricsAnswer } from "../../../contract/src/metrics";
import { authedFetch, describeFailure } from "../api";
import { drawChart, DEFAULT_CHART_SIZE } from "../deliverables/charts";
import { renderSvgTree } from "../deliverables/SvgTree";
import type { BarLikeChart } from "../deliverables/types";
import { useResource } from "../hooks";
import { Empty, ErrorNote, Loading, Section } from "../ui";

/**
 * The metrics are polled this often. Metrics are computed from the jobs when read (a job's state
 * change writes nothing for them), so a scrape with the hour's history reads up to one document
 * per job of the last hour (at most about 3,000, see docs/metrics.md): every half minute rather
 * than every 10 s, an open Overview of a busy team costs a third of that.
 */
export const OVERVIEW_POLL_MS = 30_000;

async function loadMetrics(): Promise<MetricsAnswer> {
  const response = await authedFetch("/api/metrics?history=1", { headers: { accept: "application/json" } });
  const text = await response.text();
  const body: unknown = text === "" ? null : JSON.parse(text);
  if (!response.ok) throw describeFailure(response.status, body);
  return body as MetricsAnswer;
}

const seconds = (s: number | null) => (s === null ? "–" : s < 10 ? `${s.toFixed(2)} s` : `${Math.round(s)} s`);
const minuteLabel = (iso: string) => iso.slice(11, 16);

/** One line per queue over the last hour, from the history rows. */
function lineChart(
  m: MetricsAnswer,
  id: string,
  title: string,
  value: (row: NonNullable<MetricsAnswer["history"]>[number]) => number,
): BarLikeChart {
  const rows = m.history ?? [];
  const labels = [...new Set(rows.map((r) => r.at))].sort();
  return {
    kind: "line",
    id,
    title,
    labels: labels.map(minuteLabel),
    series: m.queues.map((q) => {
      const byMinute = new Map(rows.filter((r) => r.queue === q.queue).map((r) => [r.at, value(r)]));
      return { name: q.queue, values: labels.map((at) => byMinute.get(at) ?? 0) };
    }),
  };
}

function Chart({ chart }: { chart: BarLikeChart }) {
  const drawing = useMemo(() => drawChart(chart, DEFAULT_CHART_SIZE), [chart]);
  return (
    <figure class="overview-chart" data-chart={chart.id}>
      <figcaption>{chart.title}</figcaption>
      <div class="chart">{renderSvgTree(drawing.svg)}</div>
      <ul class="legend">
        {drawing.legend.map((entry) => (
          <li key={entry.name}>
            <span class="swatch" style={{ background: entry.color }} aria-hidden="true" />
            {entry.name}
          </li>
        ))}
      </ul>
    </figure>
  );
}

function Queues({ m }: { m: MetricsAnswer }) {
  return (
    <div class="table-scroll">
      <table class="overview-queues">
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col">Pending</th>
            <th scope="col">Delayed</th>
            <th scope="col">Leased</th>
            <th scope="col">Paused</th>
            <th scope="col">Wait p50</th>
            <th scope="col">Wait p90</th>
            <th scope="col">Wait p99</th>
            <th scope="col">Run p90</th>
            <th scope="col">Succeeded</th>
            <th scope="col">Failed</th>
          </tr>
        </thead>
        <tbody>
          {m.queues.map((q) => (
            <tr key={q.queue} data-queue={q.queue}>
              <th scope="row">
                <code>{q.queue}</code>
              </th>
              <td data-metric="pending">{q.jobs.pending}</td>
              <td data-metric="delayed">{q.jobs.delayed}</td>
              <td data-metric="leased">{q.jobs.leased}</td>
              <td>{q.jobs.paused}</td>
              <td>{seconds(q.waitSeconds.p50)}</td>
              <td data-metric="wait-p90">{seconds(q.waitSeconds.p90)}</td>
              <td>{seconds(q.waitSeconds.p99)}</td>
              <td>{seconds(q.runSeconds.p90)}</td>
              <td data-metric="succeeded">{q.finished.succeeded}</td>
              <td data-metric="failed">{q.finished.failed}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Utilisation({ m }: { m: MetricsAnswer }) {
  const total = m.slots.busy + m.slots.free;
  const runners = m.runners.reduce(
    (sum, r) => ({ online: sum.online + r.online, busy: sum.busy + r.busy, offline: sum.offline + r.offline }),
    { online: 0, busy: 0, offline: 0 },
  );
  const chart: BarLikeChart = {
    kind: "stacked_bar",
    id: "slots",
    title: "Runner slots",
    orientation: "horizontal",
    labels: ["slots"],
    series: [
      { name: "busy", values: [m.slots.busy] },
      { name: "free", values: [m.slots.free] },
    ],
  };
  return (
    <div class="overview-pair">
      <Chart chart={chart} />
      <dl class="overview-numbers" data-metric="utilisation">
        <dt>Utilisation</dt>
        <dd>{total === 0 ? "–" : `${Math.round((100 * m.slots.busy) / total)}%`}</dd>
        <dt>Slots busy / free</dt>
        <dd>
          {m.slots.busy} / {m.slots.free}
        </dd>
        <dt>Runners online / busy / offline</dt>
        <dd>
          {runners.online} / {runners.busy} / {runners.offline}
        </dd>
      </dl>
    </div>
  );
}

function Failures({ m }: { m: MetricsAnswer }) {
  const chart: BarLikeChart = {
    kind: "bar",
    id: "failures",
    title: "Failures by reason",
    labels: m.queues.map((q) => q.queue),
    series: [
      { name: "failed", values: m.queues.map((q) => q.finished.failed) },
      { name: "cancelled", values: m.queues.map((q) => q.finished.cancelled) },
      { name: "lease expired", values: m.queues.map((q) => q.leaseExpirations) },
    ],
  };
  const sum = (pick: (q: MetricsAnswer["queues"][number]) => number) => m.queues.reduce((n, q) => n + pick(q), 0);
  return (
    <div class="overview-pair">
      <Chart chart={chart} />
      <dl class="overview-numbers" data-metric="failures">
        <dt>Failed</dt>
        <dd>{sum((q) => q.finished.failed)}</dd>
        <dt>Cancelled</dt>
        <dd>{sum((q) => q.finished.cancelled)}</dd>
        <dt>Leases expired</dt>
        <dd>{sum((q) => q.leaseExpirations)}</dd>
      </dl>
    </div>
  );
}

export function OverviewPage() {
  return (
    <>
      <h1>Overview</h1>
      <Metrics />
    </>
  );
}

function Metrics() {
  const metrics = useResource(loadMetrics, [], OVERVIEW_POLL_MS);
  const m = metrics.data;
  if (m === undefined)
    return metrics.error === null ? (
      <Loading what="metrics" />
    ) : (
      <ErrorNote error={metrics.error} onRetry={metrics.reload} />
    );
  return (
    <div class="overview">
      <ErrorNote error={metrics.error} onRetry={metrics.reload} />
      <Section title="Queues">
        {m.queues.length === 0 ? (
          <Empty title="No jobs have been queued yet.">
            <p>Queue one from Jobs, or with a runner face; its queue shows here with depth and wait times.</p>
          </Empty>
        ) : (
          <>
            <Queues m={m} />
            <div class="overview-charts">
              <Chart chart={lineChart(m, "depth", "Queue depth (pending), last hour", (r) => r.pending)} />
              <Chart chart={lineChart(m, "wait", "Wait p90 (s), last hour", (r) => r.waitP90 ?? 0)} />
            </div>
          </>
        )}
      </Section>
      <Section title="Runner utilisation">
        <Utilisation m={m} />
      </Section>
      <Section title="Failures">
        <Failures m={m} />
      </Section>
      <p class="muted">
        The same numbers are at <code>GET /api/metrics</code> for Prometheus (text) and autoscalers (JSON); see
        docs/metrics.md.
      </p>
    </div>
  );
}
