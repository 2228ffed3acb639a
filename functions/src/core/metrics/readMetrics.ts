import { AggregateField, Timestamp, type Query, type QuerySnapshot } from "firebase-admin/firestore";
import {
  METRICS_QUANTILES,
  METRICS_WINDOW_SECONDS,
  type MetricsAnswer,
  type MetricsQueue,
} from "../../../../contract/src/metrics";
import { db } from "../../data/firestore";
import {
  metricTally,
  nextQueueLabel,
  queueDelayedJobs,
  queueJobsEnded,
  queueJobsIn,
  queueJobsSince,
  queueOpenJobsExpired,
  teamJobsSince,
  teamRunnersIn,
  type MetricTallyDoc,
  type SampledTime,
} from "../../data/metrics";
import { HELD_STATUSES, type JobDoc, type JobStatus } from "../jobs/model";
import { countTasksHeld } from "../runners/readRunners";
import {
  bucketOf,
  HISTORY_MINUTES,
  labelOfKey,
  MAX_QUEUES,
  minuteOf,
  OUTCOMES,
  parseQueueLabel,
  quantileOf,
  queueKey,
  SAMPLE_LIMIT,
  TALLY_FOLD_EVERY_MS,
  TALLY_FOLD_LAG_MS,
  type Outcome,
} from "./model";

const WINDOW_MS = METRICS_WINDOW_SECONDS * 1000;
const OUTCOME_STATUS: Record<Outcome, JobStatus> = { succeeded: "SUCCEEDED", failed: "FAILED", cancelled: "CANCELLED" };

type Buckets = Record<string, number>;

/** One sampled job: its queue and the times a scrape reads. */
interface Row {
  label: string;
  status: JobStatus | undefined;
  enqueuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  lastLeasedAt: number | null;
}

/** A team's recent jobs by one timestamp, newest first, at most SAMPLE_LIMIT. */
interface Sample {
  rows: Row[];
  /** Whether every job since the sample's start is in it (false: the limit cut it short). */
  complete: boolean;
  /** Oldest time the sample covers fully (its start when complete, else its oldest row's time). */
  coveredFrom: number;
}

/**
 * A team's metrics as of `now`, computed from its jobs: a job's state change writes the job and
 * nothing else. Reads, billed: one per queue the team has plus one (listing its queues), the
 * tally (1), per queue 8 aggregations (1 each, plus 1 per 1,000 jobs each one scans beyond the
 * first 1,000), two samples of the jobs first leased / ended in the last 15 minutes (one read per
 * job returned, at most SAMPLE_LIMIT each, 1 when empty) and three runner aggregations; with a
 * sample cut short, two counts per queue more. With `history`, the samples cover the hour and a
 * third one (jobs queued in the hour) is read. About once an hour per team a scrape also folds
 * ended jobs into the tally (3 aggregations per queue and one write).
 */
export async function readMetrics(teamId: string, now: Date, history = false): Promise<MetricsAnswer> {
  const [tallySnap, found, fleet] = await Promise.all([
    metricTally(teamId).get(),
    queueLabels(teamId),
    readFleet(teamId),
  ]);
  let tally: MetricTallyDoc = tallySnap.data() ?? { through: Timestamp.fromMillis(0), queues: {} };
  const labels = [...new Set([...found, ...Object.keys(tally.queues).map(labelOfKey)])].sort().slice(0, MAX_QUEUES);
  if (labels.length > 0 && now.getTime() - TALLY_FOLD_LAG_MS - tally.through.toMillis() >= TALLY_FOLD_EVERY_MS)
    tally = await foldEndedJobs(teamId, labels, tally, now);

  const nowMs = now.getTime();
  const since = nowMs - (history ? HISTORY_MINUTES * 60_000 : WINDOW_MS);
  const windowFrom = nowMs - WINDOW_MS;
  const [counted, started, ended, queued] = await Promise.all([
    Promise.all(labels.map((label) => countQueue(teamId, label, tally))),
    sample(teamId, "startedAt", since, ["queueLabel", "enqueuedAt", "startedAt"]),
    sample(teamId, "finishedAt", since, ["queueLabel", "status", "finishedAt", "lastLeasedAt"]),
    history ? sample(teamId, "enqueuedAt", since, ["queueLabel", "enqueuedAt"]) : Promise.resolve(null),
  ]);

  const inWindow = (t: number | null) => t !== null && t >= windowFrom && t <= nowMs;
  const queues: MetricsQueue[] = await Promise.all(
    counted.map(async (q) => {
      const waits = started.rows.filter((r) => r.label === q.queue && inWindow(r.startedAt));
      const runs = ended.rows.filter((r) => r.label === q.queue && inWindow(r.finishedAt) && r.lastLeasedAt !== null);
      // A sample cut short inside the window: the counts come from count(), the quantiles from it.
      const [waitCount, runCount] = await Promise.all([
        started.coveredFrom <= windowFrom ? waits.length : countSince(teamId, q.queue, "startedAt", windowFrom),
        ended.coveredFrom <= windowFrom ? runs.length : countSince(teamId, q.queue, "finishedAt", windowFrom),
      ]);
      return {
        ...q,
        waitSeconds: durations(bucketsOf(waits.map((r) => seconds(r.startedAt, r.enqueuedAt))), waitCount),
        runSeconds: durations(bucketsOf(runs.map((r) => seconds(r.finishedAt, r.lastLeasedAt))), runCount),
      };
    }),
  );

  const answer: MetricsAnswer = {
    at: now.toISOString(),
    windowSeconds: METRICS_WINDOW_SECONDS,
    queues,
    runners: [{ face: "fleet", online: fleet.online, busy: fleet.busy, offline: fleet.offline }],
    slots: { busy: fleet.busySlots, free: fleet.freeSlots },
  };
  if (history && queued !== null) answer.history = historyOf(queues, { queued, started, ended }, nowMs);
  return answer;
}

/** The team's queue labels (MAX_QUEUES at most), by a skip scan over its jobs. */
async function queueLabels(teamId: string): Promise<string[]> {
  const labels: string[] = [];
  let after: string | null = null;
  while (labels.length < MAX_QUEUES) {
    const snap: QuerySnapshot = await nextQueueLabel(teamId, after).get();
    const label: unknown = snap.docs[0]?.get("queueLabel");
    if (typeof label !== "string") break;
    labels.push(label);
    after = label;
  }
  return labels;
}

/** A queue's gauges and counters: eight aggregations over its jobs, plus the tally. */
async function countQueue(
  teamId: string,
  label: string,
  tally: MetricTallyDoc,
): Promise<Omit<MetricsQueue, "waitSeconds" | "runSeconds">> {
  const count = async (query: Query<JobDoc>) => (await query.count().get()).data().count;
  const owed = tally.queues[queueKey(label)] ?? {};
  const [pending, delayed, leased, paused, open, ...ends] = await Promise.all([
    count(queueJobsIn(teamId, label, ["PENDING"])),
    count(queueDelayedJobs(teamId, label)),
    count(queueJobsIn(teamId, label, HELD_STATUSES)),
    count(queueJobsIn(teamId, label, ["PAUSED"])),
    queueOpenJobsExpired(teamId, label)
      .aggregate({ expirations: AggregateField.sum("leaseExpirations") })
      .get(),
    ...OUTCOMES.map((outcome) =>
      queueJobsEnded(teamId, label, OUTCOME_STATUS[outcome], tally.through)
        .aggregate({ count: AggregateField.count(), expirations: AggregateField.sum("leaseExpirations") })
        .get(),
    ),
  ]);
  const finished = Object.fromEntries(
    OUTCOMES.map((outcome, i) => [outcome, whole(owed[outcome]) + whole(ends[i]?.data().count)]),
  ) as MetricsQueue["finished"];
  const expirations =
    whole(owed.expirations) +
    whole(open.data().expirations) +
    ends.reduce((n, end) => n + whole(end.data().expirations), 0);
  return {
    queue: label,
    ...parseQueueLabel(label),
    jobs: { pending: Math.max(0, pending - delayed), delayed, leased, paused },
    finished,
    leaseExpirations: expirations,
  };
}

/**
 * Moves the tally's `through` up to TALLY_FOLD_LAG_MS ago, adding the jobs that ended in between
 * (counted before they are written: the lag outlasts any commit landing after its `finishedAt`).
 * Two scrapes folding at once: the tally's write is conditional on the `through` both read, so
 * one adds and the other keeps what it finds. Answers the tally to count from.
 */
async function foldEndedJobs(
  teamId: string,
  labels: readonly string[],
  tally: MetricTallyDoc,
  now: Date,
): Promise<MetricTallyDoc> {
  const until = Timestamp.fromMillis(now.getTime() - TALLY_FOLD_LAG_MS);
  const queues: MetricTallyDoc["queues"] = structuredClone(tally.queues);
  await Promise.all(
    labels.map(async (label) => {
      const into = (queues[queueKey(label)] ??= {});
      await Promise.all(
        OUTCOMES.map(async (outcome) => {
          const ended = await queueJobsEnded(teamId, label, OUTCOME_STATUS[outcome], tally.through, until)
            .aggregate({ count: AggregateField.count(), expirations: AggregateField.sum("leaseExpirations") })
            .get();
          into[outcome] = whole(into[outcome]) + whole(ended.data().count);
          into.expirations = whole(into.expirations) + whole(ended.data().expirations);
        }),
      );
    }),
  );
  const next: MetricTallyDoc = { through: until, queues };
  const ref = metricTally(teamId);
  return db().runTransaction(async (tx) => {
    const stored = (await tx.get(ref)).data();
    if ((stored?.through.toMillis() ?? 0) !== tally.through.toMillis()) return stored ?? tally;
    tx.set(ref, next);
    return next;
  });
}

/** The team's jobs by `field` since `sinceMs`, newest first, SAMPLE_LIMIT at most. */
async function sample(teamId: string, field: SampledTime, sinceMs: number, fields: string[]): Promise<Sample> {
  const snap = await teamJobsSince(teamId, field, Timestamp.fromMillis(sinceMs), SAMPLE_LIMIT, fields).get();
  const rows = snap.docs.map((doc): Row => {
    const job = doc.data() as Partial<JobDoc>;
    return {
      label: job.queueLabel ?? "",
      status: job.status,
      enqueuedAt: millis(job.enqueuedAt),
      startedAt: millis(job.startedAt),
      finishedAt: millis(job.finishedAt),
      lastLeasedAt: millis(job.lastLeasedAt),
    };
  });
  const complete = rows.length < SAMPLE_LIMIT;
  const oldest = rows.at(-1)?.[field];
  return { rows, complete, coveredFrom: complete || oldest === undefined || oldest === null ? sinceMs : oldest };
}

async function countSince(teamId: string, label: string, field: "startedAt" | "finishedAt", fromMs: number) {
  return (await queueJobsSince(teamId, label, field, Timestamp.fromMillis(fromMs)).count().get()).data().count;
}

/**
 * The last hour per queue, rebuilt backwards from today's gauges with the sampled events: a job
 * queued adds to pending, a first lease moves it to leased, an end takes it off whichever it was.
 * Approximate: requeues, pauses and delays in the hour are not seen, and minutes older than a
 * sample cut short miss its events.
 */
function historyOf(
  queues: MetricsQueue[],
  samples: { queued: Sample; started: Sample; ended: Sample },
  nowMs: number,
): NonNullable<MetricsAnswer["history"]> {
  const nowMinute = minuteOf(nowMs);
  const firstMinute = nowMinute - HISTORY_MINUTES + 1;
  const out: NonNullable<MetricsAnswer["history"]> = [];
  for (const queue of queues) {
    const mine = (s: Sample) => s.rows.filter((r) => r.label === queue.queue);
    const byMinute = <T>(rows: Row[], at: (r: Row) => number | null, value: (r: Row) => T) => {
      const m = new Map<number, T[]>();
      for (const r of rows) {
        const t = at(r);
        if (t === null) continue;
        const minute = minuteOf(t);
        m.set(minute, [...(m.get(minute) ?? []), value(r)]);
      }
      return m;
    };
    const queuedIn = byMinute(
      mine(samples.queued),
      (r) => r.enqueuedAt,
      () => 1,
    );
    const startedIn = byMinute(
      mine(samples.started),
      (r) => r.startedAt,
      (r) => seconds(r.startedAt, r.enqueuedAt),
    );
    const endedIn = byMinute(
      mine(samples.ended),
      (r) => r.finishedAt,
      (r) => r,
    );
    let pending = queue.jobs.pending;
    let leased = queue.jobs.leased;
    const minutes: NonNullable<MetricsAnswer["history"]> = [];
    for (let minute = nowMinute; minute >= firstMinute; minute--) {
      const ends = endedIn.get(minute) ?? [];
      const waits = startedIn.get(minute) ?? [];
      minutes.push({
        at: new Date(minute * 60_000).toISOString(),
        queue: queue.queue,
        pending: Math.max(0, pending),
        leased: Math.max(0, leased),
        waitP90: quantileOf(bucketsOf(waits), 0.9),
        failed: ends.filter((r) => r.status === "FAILED").length,
      });
      // Undo the minute's moves: its state at the end of the minute before.
      const endedHeld = ends.filter((r) => r.lastLeasedAt !== null).length;
      pending += -(queuedIn.get(minute)?.length ?? 0) + waits.length + (ends.length - endedHeld);
      leased += -waits.length + endedHeld;
    }
    out.push(...minutes.reverse());
  }
  return out;
}

function bucketsOf(durations: readonly number[]): Buckets {
  const buckets: Buckets = {};
  for (const d of durations) {
    const key = `b${bucketOf(d)}`;
    buckets[key] = (buckets[key] ?? 0) + 1;
  }
  return buckets;
}

function durations(buckets: Buckets, count: number): MetricsQueue["waitSeconds"] {
  const [p50, p90, p99] = METRICS_QUANTILES.map((q) => quantileOf(buckets, q));
  return { count, p50: p50 ?? null, p90: p90 ?? null, p99: p99 ?? null };
}

/** `to - from` in seconds (0 when either is missing). */
function seconds(to: number | null, from: number | null): number {
  return to === null || from === null ? 0 : Math.max(0, to - from) / 1000;
}

function millis(t: Timestamp | null | undefined): number | null {
  return t instanceof Timestamp ? t.toMillis() : null;
}

function whole(n: number | null | undefined): number {
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
