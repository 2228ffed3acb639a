/**
 * What the runner tells its operator: on a terminal, one live status line (redrawn in place)
 * with notable events printed above it; otherwise one JSON object per line, for log collectors
 * and tests. Never prints credentials: callers pass ids and reasons, not tokens.
 */
export type Level = "debug" | "info" | "warn" | "error";

export interface StatusSnapshot {
  runnerId: string;
  state: string;
  running: { face: string; id: string; sinceMs: number }[];
  concurrency: number;
  succeeded: number;
  failed: number;
  released: number;
  lost: number;
  /** What the connection is doing wrong right now (a retry, a slow call), or null. */
  trouble: string | null;
}

/** How long a retry stays in the status line after its wait, unless another follows. */
const TROUBLE_LINGER_MS = 3_000;
/** A call in flight longer than this shows in the status line. */
export const SLOW_CALL_MS = 2_000;

/**
 * Connection trouble as the HTTP layer reports it: retries, and calls still waiting for an
 * answer. Read by the status line and logged (once per spell of trouble).
 */
export class ConnectionWatch {
  private lastRetry: { text: string; until: number } | null = null;
  private readonly inFlight = new Map<number, { method: string; path: string; since: number }>();
  private next = 0;

  constructor(private readonly onTroubleStart: (fields: Record<string, unknown>) => void) {}

  retry(info: { method: string; path: string; attempt: number; delayMs: number; cause: string }): void {
    if (this.current() === null)
      this.onTroubleStart({ call: `${info.method} ${info.path}`, cause: info.cause, retryInMs: info.delayMs });
    this.lastRetry = {
      text: `retrying ${info.method} ${info.path}: ${info.cause} (attempt ${info.attempt + 1} in ${Math.ceil(info.delayMs / 1000)}s)`,
      until: Date.now() + info.delayMs + TROUBLE_LINGER_MS,
    };
  }

  attempt(info: { method: string; path: string }): () => void {
    const key = this.next++;
    this.inFlight.set(key, { ...info, since: Date.now() });
    return () => this.inFlight.delete(key);
  }

  /** The trouble to show now, or null. */
  current(now = Date.now()): string | null {
    if (this.lastRetry !== null && this.lastRetry.until > now) return this.lastRetry.text;
    let oldest: { method: string; path: string; since: number } | null = null;
    for (const call of this.inFlight.values()) if (oldest === null || call.since < oldest.since) oldest = call;
    if (oldest !== null && now - oldest.since >= SLOW_CALL_MS)
      return `waiting ${Math.floor((now - oldest.since) / 1000)}s for ${oldest.method} ${oldest.path}`;
    return null;
  }
}

/** Redraw the status line at most this often. */
const REDRAW_MS = 250;
/** Width the status line is cut to when the terminal does not say. */
const DEFAULT_COLUMNS = 100;

export class Reporter {
  private timer: NodeJS.Timeout | undefined;
  private lastLine = "";

  constructor(
    private readonly out: NodeJS.WriteStream,
    /** Live status line (a TTY) or JSON lines. */
    private readonly tty: boolean,
    private readonly snapshot: () => StatusSnapshot,
    private readonly base: Record<string, unknown> = {},
  ) {}

  start(): void {
    if (this.tty) this.timer = setInterval(() => this.redraw(), REDRAW_MS);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) {
      this.redraw();
      this.out.write("\n");
    }
  }

  event(level: Level, event: string, fields: Record<string, unknown> = {}): void {
    if (!this.tty) {
      this.out.write(`${JSON.stringify({ ts: new Date().toISOString(), level, event, ...this.base, ...fields })}\n`);
      return;
    }
    // On a terminal, routine progress shows in the status line; the rest scrolls above it.
    if (level === "debug" || (level === "info" && ROUTINE.has(event))) return;
    const detail = Object.entries(fields)
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join(" ");
    this.out.write(
      `\r\x1b[2K${new Date().toISOString().slice(11, 19)} ${level.toUpperCase().padEnd(5)} ${event} ${detail}\n`,
    );
    this.lastLine = "";
    this.redraw();
  }

  private redraw(): void {
    const s = this.snapshot();
    const now = Date.now();
    const work = s.running
      .map((r) => `${r.face}:${r.id.slice(0, 8)}(${Math.round((now - r.sinceMs) / 1000)}s)`)
      .join(" ");
    const trouble = s.trouble === null ? "" : ` · ${s.trouble}`;
    const line = `[${s.runnerId}] ${s.state}${trouble} · ${s.running.length}/${s.concurrency} busy · ok ${s.succeeded} · failed ${s.failed} · released ${s.released} · lost ${s.lost}${work ? ` · ${work}` : ""}`;
    const width = this.out.columns > 0 ? this.out.columns : DEFAULT_COLUMNS;
    const cut = line.length > width - 1 ? `${line.slice(0, width - 2)}…` : line;
    if (cut === this.lastLine) return;
    this.lastLine = cut;
    this.out.write(`\r\x1b[2K${cut}`);
  }
}

/** Events a terminal user sees in the status line rather than as lines of their own. */
const ROUTINE = new Set(["leased", "finished", "heartbeat"]);
