/**
 * Ships a job's output lines to the API while it runs: batched (one request per flush interval
 * or per full batch, never two at once), in order, and resumable. Each batch carries the count of
 * lines already accepted (`offset`), so where the face supports it (the jobs API) a batch retried
 * after a lost answer is stored once; the sink decides how it retries.
 */
import { RunnerApiError } from "./client/http";

export type LogStream = "stdout" | "stderr" | "log";

export interface LogLine {
  line: string;
  stream: LogStream;
}

export interface LogSink {
  /** Lines per request (the face's cap). */
  maxBatch: number;
  /** Sends `lines`, the first of which is line number `offset` (0-based) of this lease's log. */
  send(lines: LogLine[], offset: number): Promise<void>;
}

export interface LogShipperOptions {
  /** Wait this long for more lines before sending a partial batch. */
  flushMs: number;
  /** Lines kept while the API cannot take them; older unsent ones are dropped past this. */
  maxBuffered: number;
  /** Lines one job may send in all; the rest are counted, not sent. */
  maxTotal: number;
  /** Told once when a send shows the lease is gone. */
  onLeaseLost: (error: RunnerApiError) => void;
  /** Told about sends that failed (they are retried on the next flush). */
  onError: (error: unknown) => void;
}

/** Pause after a failed send before the next try. */
const RETRY_AFTER_FAILURE_MS = 1_000;

export class LogShipper {
  private buffer: LogLine[] = [];
  /** Lines the server has accepted (the next batch's offset). */
  private accepted = 0;
  private accounted = 0;
  private droppedUnsent = 0;
  private overCap = 0;
  private inFlight: Promise<void> | null = null;
  /** Lines at the buffer's front that the request in flight carries: never dropped. */
  private sending = 0;
  private timer: NodeJS.Timeout | undefined;
  private lost = false;
  private failedLast = false;
  private closed = false;

  constructor(
    private readonly sink: LogSink,
    private readonly options: LogShipperOptions,
  ) {}

  /** Lines accepted by the server so far. */
  get sent(): number {
    return this.accepted;
  }

  push(line: string, stream: LogStream): void {
    if (this.lost || this.closed) return;
    if (this.accounted >= this.options.maxTotal) {
      this.overCap += 1;
      return;
    }
    this.accounted += 1;
    this.buffer.push({ line, stream });
    const excess = this.buffer.length - this.options.maxBuffered;
    if (excess > 0) {
      this.buffer.splice(this.sending, excess);
      this.droppedUnsent += excess;
    }
    if (this.buffer.length >= this.sink.maxBatch) this.kick(0);
    else this.kick(this.options.flushMs);
  }

  /**
   * Sends everything left (notes on dropped lines included), trying up to `attempts` times.
   * Resolves either way: logs are never worth failing a finished job for.
   */
  async close(attempts = 3): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.overCap > 0)
      this.buffer.push({
        line: `[runner] ${this.overCap} more log lines were not sent (limit ${this.options.maxTotal} per job).`,
        stream: "log",
      });
    for (let i = 0; i < attempts && !this.lost; i++) {
      await this.inFlight;
      if (this.buffer.length === 0 && this.droppedUnsent === 0) return;
      await this.flush();
    }
  }

  private kick(afterMs: number): void {
    if (this.inFlight !== null) return;
    if (this.timer !== undefined) {
      if (afterMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, afterMs);
  }

  private flush(): Promise<void> {
    this.inFlight ??= this.drain().finally(() => {
      this.inFlight = null;
      if (this.buffer.length > 0 && !this.closed && !this.lost)
        this.kick(this.failedLast ? RETRY_AFTER_FAILURE_MS : this.options.flushMs);
    });
    return this.inFlight;
  }

  private async drain(): Promise<void> {
    while (!this.lost) {
      if (this.droppedUnsent > 0) {
        this.buffer.unshift({
          line: `[runner] ${this.droppedUnsent} log lines were dropped while the API could not take them.`,
          stream: "log",
        });
        this.droppedUnsent = 0;
      }
      const batch = this.buffer.slice(0, this.sink.maxBatch);
      if (batch.length === 0) return;
      this.sending = batch.length;
      this.failedLast = false;
      try {
        await this.sink.send(batch, this.accepted);
      } catch (error) {
        this.sending = 0;
        if (error instanceof RunnerApiError && error.leaseLost) {
          this.lost = true;
          this.buffer = [];
          this.options.onLeaseLost(error);
          return;
        }
        this.options.onError(error);
        this.failedLast = true;
        return;
      }
      // Only now do these lines leave the buffer: a failed batch is resent from the same offset.
      this.buffer.splice(0, batch.length);
      this.sending = 0;
      this.accepted += batch.length;
      // A partial batch left over waits for the flush interval (unless closing: send it now).
      if (this.buffer.length < this.sink.maxBatch && !this.closed) return;
    }
  }
}
