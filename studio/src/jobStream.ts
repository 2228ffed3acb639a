/**
 * Follows `GET /jobs/:id/stream` with the ID token (fetch + SseParser, since EventSource cannot
 * send headers). The server closes each response after a time budget; this reconnects with
 * `Last-Event-ID` (the last log line's seq), so lines are neither lost nor repeated, and stops at
 * the `end` event or a 204 (the job ended and every line was sent).
 */
import { authedFetch, describeFailure, readBody } from "./api";
import { SseParser } from "./sse";

export interface LogLine {
  seq: number;
  line: string;
  stream: string;
  at: string;
}

export type StreamState = "connecting" | "live" | "reconnecting" | "ended" | "failed";

export interface StreamHandlers {
  onLine(line: LogLine): void;
  onStatus(status: { status: string; error: string | null }): void;
  onState(state: StreamState, detail?: string): void;
}

/** Reconnect delay when the server gave none (it sends `retry:` first). */
const DEFAULT_RETRY_MS = 1_000;
/** Back-off cap after failures (network down, 5xx). */
const MAX_RETRY_MS = 15_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function parseJson(data: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(data) as unknown;
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function text(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

/** Runs until the job's stream ends, a 4xx makes following it pointless, or `signal` aborts. */
export async function followJob(jobId: string, handlers: StreamHandlers, signal: AbortSignal): Promise<void> {
  let lastSeq: number | null = null;
  let retryMs = DEFAULT_RETRY_MS;
  let failures = 0;
  handlers.onState("connecting");
  while (!signal.aborted) {
    let ended = false;
    try {
      const headers: Record<string, string> = { accept: "text/event-stream" };
      if (lastSeq !== null) headers["last-event-id"] = String(lastSeq);
      const response = await authedFetch(`/jobs/${encodeURIComponent(jobId)}/stream`, { headers, signal });
      if (response.status === 204) {
        handlers.onState("ended");
        return;
      }
      if (!response.ok || response.body === null) {
        const failure = describeFailure(response.status, await readBody(response));
        // A 4xx will not get better by retrying (other than being told to slow down).
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          handlers.onState("failed", failure.message);
          return;
        }
        throw failure;
      }
      failures = 0;
      handlers.onState("live");
      const parser = new SseParser();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const event of parser.push(value)) {
          const data = parseJson(event.data);
          if (data === null) continue;
          if (event.event === "log" && typeof data.seq === "number") {
            lastSeq = data.seq;
            handlers.onLine({
              seq: data.seq,
              line: text(data.line, ""),
              stream: text(data.stream, "log"),
              at: text(data.at, ""),
            });
          } else if (event.event === "status" && typeof data.status === "string") {
            handlers.onStatus({ status: data.status, error: typeof data.error === "string" ? data.error : null });
          } else if (event.event === "end") {
            ended = true;
          }
        }
      }
      if (parser.retryMs !== undefined) retryMs = parser.retryMs;
    } catch (error) {
      if (signal.aborted) return;
      failures += 1;
      handlers.onState("reconnecting", error instanceof Error ? error.message : String(error));
      await sleep(Math.min(MAX_RETRY_MS, retryMs * 2 ** failures), signal);
      continue;
    }
    if (ended) {
      handlers.onState("ended");
      return;
    }
    // The server closed at its time budget: pick up where we were.
    handlers.onState("reconnecting");
    await sleep(retryMs, signal);
  }
}
