/**
 * The runner's own record of the jobs it ended, one JSON line per event in
 * `<stateDir>/ledger.jsonl`. Before reporting an end it checks the record, so a runner never
 * reports the same lease's end twice (the server would answer a repeat as a duplicate anyway);
 * and the file lets anyone audit which jobs this runner finished. Written synchronously: a line
 * is on disk before the next call goes out. Lease tokens are stored hashed.
 */
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export type LedgerFace = "jobs" | "fleet" | "code" | "workspace";
/** How a job ended, as this runner reported it. RELEASED: handed back (not an end). */
export type LedgerOutcome = "SUCCEEDED" | "FAILED" | "CANCELLED" | "PAUSED" | "RELEASED";

export interface LedgerEntry {
  /** `finishing`: about to report; `finished`: the server accepted it. */
  event: "finishing" | "finished";
  face: LedgerFace;
  jobId: string;
  /** SHA-256 of the lease token, shortened: tells leases of one job apart without storing it. */
  lease: string;
  outcome: LedgerOutcome;
  /** The server said it had this end already (a retry after a lost answer). */
  duplicate?: boolean;
  at: string;
}

export const LEDGER_FILE = "ledger.jsonl";

export class Ledger {
  private readonly finished = new Set<string>();

  private constructor(readonly path: string) {}

  static open(stateDir: string): Ledger {
    mkdirSync(stateDir, { recursive: true });
    const ledger = new Ledger(join(stateDir, LEDGER_FILE));
    for (const entry of readLedger(ledger.path)) {
      if (entry.event === "finished") ledger.finished.add(key(entry.face, entry.jobId, entry.lease));
    }
    return ledger;
  }

  /** Whether this runner already ended this job under this lease. */
  has(face: LedgerFace, jobId: string, leaseToken: string): boolean {
    return this.finished.has(key(face, jobId, hashLease(leaseToken)));
  }

  begin(face: LedgerFace, jobId: string, leaseToken: string, outcome: LedgerOutcome): void {
    this.append({
      event: "finishing",
      face,
      jobId,
      lease: hashLease(leaseToken),
      outcome,
      at: new Date().toISOString(),
    });
  }

  end(face: LedgerFace, jobId: string, leaseToken: string, outcome: LedgerOutcome, duplicate: boolean): void {
    const lease = hashLease(leaseToken);
    this.finished.add(key(face, jobId, lease));
    this.append({ event: "finished", face, jobId, lease, outcome, duplicate, at: new Date().toISOString() });
  }

  private append(entry: LedgerEntry): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`, { encoding: "utf8", mode: 0o600 });
  }
}

/** Every well-formed line of a ledger file (a torn last line, from a crash, is skipped). */
export function readLedger(path: string): LedgerEntry[] {
  if (!existsSync(path)) return [];
  const entries: LedgerEntry[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim().length === 0) continue;
    try {
      entries.push(JSON.parse(line) as LedgerEntry);
    } catch {
      // torn write
    }
  }
  return entries;
}

function hashLease(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex").slice(0, 16);
}

function key(face: LedgerFace, jobId: string, lease: string): string {
  return `${face}\u0000${jobId}\u0000${lease}`;
}
