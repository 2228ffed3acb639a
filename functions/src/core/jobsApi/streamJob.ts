import type { GenericJob } from "../../data/genericJobs";
import { logsAfter } from "../../data/jobLogs";
import type { JobLogDoc } from "../jobs/jobLogs";
import { InvalidArgument } from "../../http/errors";
import type { JobStatus } from "../jobs/model";
import { isFinal } from "./model";
import { jobRef, readOwnedJob } from "./ownedJob";

/** How a stream is paced. Production values are the defaults below; tests pass shorter ones. */
export interface StreamOptions {
  /** Sequence number of the last line the client has (its Last-Event-ID); 0 for all. */
  lastSeq: number;
  /**
   * Longest a response stays open. Hosting closes function responses at 60 s, so the stream
   * ends itself first and the client reconnects with Last-Event-ID, losing and repeating nothing.
   */
  maxMs: number;
  /** Pause between polls of the job document. */
  pollMs: number;
  /** A comment line after this much silence keeps proxies from closing an idle stream. */
  keepaliveMs: number;
  /** The reconnection delay the client is told (`retry:`). */
  retryMs: number;
}

export const DEFAULT_STREAM_MAX_MS = 55_000;
export const STREAM_POLL_MS = 500;
export const STREAM_KEEPALIVE_MS = 15_000;
export const STREAM_RETRY_MS = 1_000;
/** Lines read per query while catching up. */
export const STREAM_LINES_PER_READ = 500;

/** What the loop needs to know of the job on each poll. */
export interface StreamJobState {
  status: JobStatus;
  logSeq: number;
  error: string | null;
  result: Record<string, unknown> | null;
}

export interface StreamLine {
  seq: number;
  line: string;
  stream: string;
  at: Date;
}

export interface StreamSource {
  /** The job now; null once it is gone. */
  readJob(): Promise<StreamJobState | null>;
  /** Lines after `afterSeq`, ascending, at most `limit`. */
  readLines(afterSeq: number, limit: number): Promise<StreamLine[]>;
}

export interface StreamSink {
  /** Resolves when the chunk is handed to the socket (waits for drain when the buffer is full). */
  write(chunk: string): Promise<void>;
  /** True once the client has gone. */
  closed(): boolean;
}

export interface StreamClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export type StreamEnd = "ended" | "budget" | "closed" | "gone";

/**
 * One Server-Sent Event. Data is JSON, which never contains a raw newline. An object's data also
 * carries the event's name as `type`, so a client that reads only `data:` frames (seed 002's own
 * CLI does) can still tell a log line from a status change or the end.
 */
export function sseEvent(event: { id?: number; event: string; data: unknown }): string {
  const id = event.id === undefined ? "" : `id: ${event.id}\n`;
  const data =
    event.data !== null && typeof event.data === "object" && !Array.isArray(event.data)
      ? { type: event.event, ...event.data }
      : event.data;
  return `${id}event: ${event.event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Last-Event-ID as we hand them out: a line's sequence number. Absent → 0 (from the start). */
export function parseLastEventId(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 0;
  const trimmed = value.trim();
  if (!/^\d{1,15}$/.test(trimmed))
    throw new InvalidArgument("INVALID_LAST_EVENT_ID", "Last-Event-ID must be a log sequence number.");
  return Number(trimmed);
}

/**
 * The stream's loop: each poll reads the job document; when its `logSeq` moved past what was
 * sent, the new lines are read (`seq > last sent`) and sent, each with its sequence number as
 * event id; then a status event if the status changed. Lines and `logSeq` are written in one
 * transaction and only a holder appends, so a job seen finished has all its lines readable: they
 * are sent, then the final status, then `end`, and the stream closes.
 *
 * Status and end events carry no id, so a reconnecting client's Last-Event-ID is always the last
 * line it received.
 */
export async function streamJobEvents(
  source: StreamSource,
  sink: StreamSink,
  clock: StreamClock,
  options: StreamOptions,
): Promise<StreamEnd> {
  const started = clock.now();
  let lastSeq = options.lastSeq;
  let lastStatus: JobStatus | null = null;
  let lastWrite = started;
  const send = async (chunk: string) => {
    await sink.write(chunk);
    lastWrite = clock.now();
  };
  await send(`retry: ${options.retryMs}\n\n`);
  for (;;) {
    if (sink.closed()) return "closed";
    const job = await source.readJob();
    if (job === null) {
      await send(sseEvent({ event: "end", data: { status: null, reason: "JOB_GONE" } }));
      return "gone";
    }
    while (job.logSeq > lastSeq && !sink.closed()) {
      const lines = (await source.readLines(lastSeq, STREAM_LINES_PER_READ)).filter((l) => l.seq > lastSeq);
      if (lines.length === 0) break;
      for (const l of lines) {
        await send(
          sseEvent({
            id: l.seq,
            event: "log",
            data: { seq: l.seq, line: l.line, stream: l.stream, at: l.at.toISOString() },
          }),
        );
        lastSeq = l.seq;
      }
    }
    if (sink.closed()) return "closed";
    if (job.status !== lastStatus) {
      lastStatus = job.status;
      await send(
        sseEvent({
          event: "status",
          data: { status: job.status, error: job.error, result: isFinal(job.status) ? job.result : null },
        }),
      );
    }
    if (isFinal(job.status)) {
      await send(sseEvent({ event: "end", data: { status: job.status, lastSeq } }));
      return "ended";
    }
    if (clock.now() - started >= options.maxMs) {
      await send(`: stream time budget reached; reconnect with Last-Event-ID: ${lastSeq}\n\n`);
      return "budget";
    }
    if (clock.now() - lastWrite >= options.keepaliveMs) await send(": keepalive\n\n");
    await clock.sleep(options.pollMs);
  }
}

export type OpenedStream = { kind: "finished" } | { kind: "open"; source: StreamSource };

/**
 * Checks the caller may see the job. A client that reconnects (it sent Last-Event-ID) to a job
 * that ended and whose lines it has all gets `finished`: the face answers 204, which tells an
 * EventSource to stop reconnecting.
 */
export async function openJobStream(
  teamId: string,
  jobId: string,
  lastSeq: number,
  resumed: boolean,
): Promise<OpenedStream> {
  const { job } = await readOwnedJob(teamId, jobId);
  if (resumed && isFinal(job.status) && (job.logSeq ?? 0) <= lastSeq) return { kind: "finished" };
  return { kind: "open", source: firestoreSource(jobId) };
}

function firestoreSource(jobId: string): StreamSource {
  const ref = jobRef(jobId);
  return {
    async readJob() {
      const job: GenericJob | undefined = (await ref.get()).data();
      if (job === undefined) return null;
      return { status: job.status, logSeq: job.logSeq ?? 0, error: job.error, result: job.result };
    },
    async readLines(afterSeq, limit) {
      const snap = await logsAfter(jobId, afterSeq, limit).get();
      return snap.docs.map((d) => toStreamLine(d.data()));
    },
  };
}

function toStreamLine(doc: JobLogDoc): StreamLine {
  return { seq: doc.seq, line: doc.line, stream: doc.stream, at: doc.at.toDate() };
}
