import { AggregateField, type DocumentSnapshot } from "firebase-admin/firestore";
import {
  METRICS_QUANTILES,
  METRICS_WINDOW_SECONDS,
  type MetricsAnswer,
  type MetricsQueue,
} from "../../../../contract/src/metrics";
import { db } from "../../data/firestore";
import {
  metricShard,
  metricWindow,
  teamRunnersIn,
  type MetricShardDoc,
  type MetricWindowDoc,
  type QueueCounts,
} from "../../data/metrics";
import { countTasksHeld } from "../runners/readRunners";
import {
  HISTORY_MINUTES,
  labelOfKey,
  METRIC_SHARDS,
  minuteOf,
  parseQueueLabel,
  queueKey,
  quantileOf,
  sampleCount,
  windowOf,
} from "./model";

const WINDOW_MINUTES_READ = METRICS_WINDOW_SECONDS / 60;

type Buckets = Record<string, number>;

/**
 * A team's metrics as of `now`, from its counter shards, the histogram windows of the last 15
 * minutes (or the last hour with `history`) and three aggregations over its runners: a fixed
 * number of reads whatever the number of jobs (8 or 12 documents + 3; 20 or 24 + 3 with history).
 */
export async function readMetrics(teamId: string, now: Date, history = false): Promise<MetricsAnswer> {
  const nowMinute = minuteOf(now.getTime());
  const firstMinute = nowMinute - (history ? HISTORY_MINUTES : WINDOW_MINUTES_READ) + 1;
  const windows: number[] = [];
  for (let w = windowOf(firstMinute); w <= windowOf(nowMinute); w++) windows.push(w);
  const shards = Array.from({ length: METRIC_SHARDS }, (_, n) => n);

  const [snaps, fleet] = await Promise.all([
    db().getAll(
      ...shards.map((n) => metricShard(teamId, n)),
      ...windows.flatMap((w) => shards.map((n) => metricWindow(teamId, w, n))),
    ),
    readFleet(teamId),
  ]);
  const counters = snaps.slice(0, METRIC_SHARDS).map((s) => (s as DocumentSnapshot<MetricShardDoc>).data() ?? {});
  const windowDocs = snaps.slice(METRIC_SHARDS).map((s) => (s as DocumentSnapshot<MetricWindowDoc>).data() ?? {});

  const jobs = sumCounts(counters.map((c) => c.jobs));
  const finished = sumCounts(counters.map((c) => c.finished));
  const expirations = sumCounts(counters.map((c) => c.expirations));
  const recent = (minute: number) => minute > nowMinute - WINDOW_MINUTES_READ && minute <= nowMinute;
  const wait = sumCounts(windowDocs.flatMap((d) => minutesOf(d.wait, recent)));
  const run = sumCounts(windowDocs.flatMap((d) => minutesOf(d.run, recent)));

  const keys = new Set([...jobs.keys(), ...finished.keys(), ...expirations.keys(), ...wait.keys(), ...run.keys()]);
  const queues: MetricsQueue[] = [...keys]
    .map((key) => {
      const label = labelOfKey(key);
      const gauge = jobs.get(key) ?? {};
      const ended = finished.get(key) ?? {};
      return {
        queue: label,
        ...parseQueueLabel(label),
        jobs: {
          pending: whole(gauge.pending),
          delayed: whole(gauge.delayed),
          leased: whole(gauge.leased),
          paused: whole(gauge.paused),
        },
        finished: { succeeded: whole(ended.succeeded), failed: whole(ended.failed), cancelled: whole(ended.cancelled) },
        leaseExpirations: whole(expirations.get(key)?.n),
        waitSeconds: durations(wait.get(key) ?? {}),
        runSeconds: durations(run.get(key) ?? {}),
      };
    })
    .sort((a, b) => a.queue.localeCompare(b.queue));

  const answer: MetricsAnswer = {
    at: now.toISOString(),
    windowSeconds: METRICS_WINDOW_SECONDS,
    queues,
    runners: [{ face: "fleet", online: fleet.online, busy: fleet.busy, offline: fleet.offline }],
    slots: { busy: fleet.busySlots, free: fleet.freeSlots },
  };
  if (history) answer.history = historyOf(windowDocs, queues, firstMinute, nowMinute);
  return answer;
}

/** The last hour per queue: depth at each minute's end is today's minus the moves after it. */
function historyOf(
  windowDocs: MetricWindowDoc[],
  queues: MetricsQueue[],
  firstMinute: number,
  nowMinute: number,
): NonNullable<MetricsAnswer["history"]> {
  const out: NonNullable<MetricsAnswer["history"]> = [];
  const byMinute = (field: "moves" | "wait" | "ends", minute: number) =>
    sumCounts(windowDocs.flatMap((d) => minutesOf(d[field], (m) => m === minute)));
  for (const queue of queues) {
    const key = queueKey(queue.queue);
    let pending = queue.jobs.pending;
    let leased = queue.jobs.leased;
    const minutes: NonNullable<MetricsAnswer["history"]> = [];
    for (let minute = nowMinute; minute >= firstMinute; minute--) {
      const ends = byMinute("ends", minute).get(key) ?? {};
      minutes.push({
        at: new Date(minute * 60_000).toISOString(),
        queue: queue.queue,
        pending: Math.max(0, pending),
        leased: Math.max(0, leased),
        waitP90: quantileOf(byMinute("wait", minute).get(key) ?? {}, 0.9),
        failed: whole(ends.failed),
      });
      const moves = byMinute("moves", minute).get(key) ?? {};
      pending -= moves.pending ?? 0;
      leased -= moves.leased ?? 0;
    }
    out.push(...minutes.reverse());
  }
  return out;
}

function minutesOf(
  byMinute: Record<string, QueueCounts> | undefined,
  keep: (minute: number) => boolean,
): (QueueCounts | undefined)[] {
  return Object.entries(byMinute ?? {})
    .filter(([m]) => keep(Number(m.slice(1))))
    .map(([, counts]) => counts);
}

/** Adds up per-queue counts across shards (or minutes). */
function sumCounts(parts: (QueueCounts | undefined)[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const part of parts) {
    for (const [key, counts] of Object.entries(part ?? {})) {
      const into = out.get(key) ?? {};
      for (const [name, n] of Object.entries(counts)) into[name] = (into[name] ?? 0) + n;
      out.set(key, into);
    }
  }
  return out;
}

function durations(buckets: Buckets): MetricsQueue["waitSeconds"] {
  const [p50, p90, p99] = METRICS_QUANTILES.map((q) => quantileOf(buckets, q));
  return { count: sampleCount(buckets), p50: p50 ?? null, p90: p90 ?? null, p99: p99 ?? null };
}

function whole(n: number | undefined): number {
  return Math.max(0, Math.round(n ?? 0));
}

interface Fleet {
  online: number;
  busy: number;
  offline: number;
  busySlots: number;
  freeSlots: number;
}

/**
 * Seed 004 runners by state, and their slots, in four aggregations. Busy slots are the team's
 * review tasks held now, counted from the tasks (runners keep no held count).
 */
async function readFleet(teamId: string): Promise<Fleet> {
  const [live, busy, offline, held] = await Promise.all([
    teamRunnersIn(teamId, ["online", "busy"])
      .aggregate({ count: AggregateField.count(), slots: AggregateField.sum("maxConcurrency") })
      .get(),
    teamRunnersIn(teamId, ["busy"]).count().get(),
    teamRunnersIn(teamId, ["offline"]).count().get(),
    countTasksHeld(teamId),
  ]);
  const { count, slots } = live.data();
  const busySlots = Math.min(held, whole(slots));
  return {
    online: count - busy.data().count,
    busy: busy.data().count,
    offline: offline.data().count,
    busySlots,
    freeSlots: whole(slots) - busySlots,
  };
}
