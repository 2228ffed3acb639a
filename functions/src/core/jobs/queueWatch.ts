import type { DocumentSnapshot, QueryDocumentSnapshot, QuerySnapshot } from "firebase-admin/firestore";
import { byPriorityThenAge, pendingHead } from "../../data/jobs";
import { watchDoc, watchQuery, type Watching } from "../../data/live";
import { queueTagSets, type QueueTagSetsDoc } from "../../data/queueTagSets";
import { shardsOf, type JobDoc } from "./model";
import { LATER_CHECK_MS, watchNextDelayed } from "./promoteDueJobs";
import { carriesTags, eligibleOf } from "./tagSets";

/** Jobs each tag set's listener holds: how many waiters one change can wake at once. */
export const HEAD_WATCH = 8;
/** Longest a due-job timer is set for at once (a later job may be far off; it is looked at again then). */
const LONGEST_TIMER_MS = 30_000;

export type Candidate = QueryDocumentSnapshot<JobDoc>;

/** A lease call waiting on a queue (see `leaseOrWait`). */
export interface Waiter {
  tags: readonly string[] | undefined;
  /** Jobs it may take in one claim. */
  limit: number;
  /** Called when there may be work for it: the jobs it is offered (empty: delayed jobs fell due). */
  wake(hint: Candidate[]): void;
  /** Called when a listener fails: the wait ends with the error. */
  fail(error: Error): void;
}

interface Waiting {
  waiter: Waiter;
  /** Its claim is under way: not woken again until it answers. */
  busy: boolean;
  /** The jobs its claim under way was offered, by id: the version offered (update time in ms). */
  trying: Map<string, number>;
  /** Jobs its claims were offered and did not take, by id and version: not offered to it again. */
  declined: Map<string, number>;
}

/**
 * What one process knows of a queue while lease calls wait on it: a listener on the best few
 * pending jobs of each tag set a waiter may take, one on the queue's summary (pause, tag sets)
 * and, for queues with delayed jobs, one on the next delayed job. Every waiting call of the
 * process shares them, and they stay open between calls (`LIVE_KEEP_MS`), so a wait costs no
 * read of its own: Firestore bills these listeners for changes only.
 *
 * A change offers each pending job to one waiter (oldest wait first, best job first) with the
 * job's version as the listener saw it: the waiter claims it with one conditional write and no
 * read. The others sleep on. A job is offered to one waiter at a time, and a waiter whose claim
 * did not take it (another process took it, or its runner is full) is not offered that version
 * again, so it waits for the next change instead of spinning, while other waiters may have it.
 */
class QueueWatch {
  private readonly waiting: Waiting[] = [];
  private readonly heads = new Map<string, Watching<QuerySnapshot<JobDoc>>>();
  private readonly starting = new Map<string, Promise<void>>();
  private summary: Watching<DocumentSnapshot<QueueTagSetsDoc>> | undefined;
  private later: Watching<QuerySnapshot<JobDoc>> | undefined;
  private dueTimer: NodeJS.Timeout | undefined;
  /** The runAt (ms) a waiter was last woken for: a due job not moved by then is retried after LATER_CHECK_MS. */
  private dueTried: number | null = null;
  /** Its last waiter left: listeners that finish opening now are let go at once. */
  private closed = false;

  constructor(
    readonly queue: string,
    private readonly delayed: boolean,
    private readonly pausable: boolean,
  ) {}

  get size(): number {
    return this.waiting.length;
  }

  /** Opens (or joins) the listeners `waiter` needs, then dispatches: it may be woken at once. */
  async add(waiter: Waiter): Promise<void> {
    const entry: Waiting = { waiter, busy: false, trying: new Map(), declined: new Map() };
    this.waiting.push(entry);
    try {
      await this.open(waiter.tags);
    } catch (error) {
      this.remove(waiter);
      throw error;
    }
    this.dispatch();
  }

  /** The waiter's claim answered without a job: it may be offered the next change. */
  idle(waiter: Waiter): void {
    const entry = this.waiting.find((w) => w.waiter === waiter);
    if (entry === undefined) return;
    entry.busy = false;
    for (const [id, version] of entry.trying) entry.declined.set(id, version);
    entry.trying.clear();
    this.dispatch();
  }

  remove(waiter: Waiter): void {
    const index = this.waiting.findIndex((w) => w.waiter === waiter);
    if (index >= 0) this.waiting.splice(index, 1);
    if (this.waiting.length > 0) return;
    // The last waiter left: stop hearing from the listeners (they stay open for the next wait).
    this.closed = true;
    if (watches.get(this.queue) === this) watches.delete(this.queue);
    clearTimeout(this.dueTimer);
    for (const head of this.heads.values()) head.unsubscribe();
    this.summary?.unsubscribe();
    this.later?.unsubscribe();
  }

  private async open(tags: readonly string[] | undefined): Promise<void> {
    const opening: Promise<void>[] = [];
    const summaryNeeded = this.pausable || (tags !== undefined && tags.length > 0);
    if (summaryNeeded) opening.push(this.start("summary", () => this.openSummary()));
    if (this.delayed) opening.push(this.start("later", () => this.openLater()));
    await Promise.all(opening);
    await Promise.all(this.setsFor(tags).map((set) => this.start(`head:${set}`, () => this.openHead(set))));
  }

  /** Runs `open` once per name, concurrent callers sharing it; a failed one may be tried again. */
  private start(name: string, open: () => Promise<void>): Promise<void> {
    let started = this.starting.get(name);
    if (started === undefined) {
      started = open().catch((error: unknown) => {
        this.starting.delete(name);
        throw error;
      });
      this.starting.set(name, started);
    }
    return started;
  }

  private async openSummary(): Promise<void> {
    this.summary = this.keep(
      await watchDoc(queueTagSets(this.queue), {
        next: () => {
          // A tag set first recorded now: its jobs are written after it, so listen before they are.
          for (const entry of this.waiting)
            for (const set of this.setsFor(entry.waiter.tags))
              void this.start(`head:${set}`, () => this.openHead(set)).then(
                () => this.dispatch(),
                (error: unknown) => this.failAll(error),
              );
          this.dispatch();
        },
        error: (error) => this.failAll(error),
      }),
    );
  }

  private async openLater(): Promise<void> {
    this.later = this.keep(
      await watchNextDelayed(this.queue, {
        next: () => this.dispatch(),
        error: (error) => this.failAll(error),
      }),
    );
  }

  private async openHead(set: string): Promise<void> {
    const head = await watchQuery(`head:${this.queue}:${set}`, pendingHead(shardsOf(this.queue, [set]), HEAD_WATCH), {
      next: () => this.dispatch(),
      error: (error) => this.failAll(error),
    });
    this.heads.set(set, this.keep(head));
  }

  /** A subscription made after the last waiter left is dropped at once (the listener stays shared). */
  private keep<S>(watching: Watching<S>): Watching<S> {
    if (this.closed) watching.unsubscribe();
    return watching;
  }

  /** The tag sets a waiter carrying `tags` may take, as the summary says now. */
  private setsFor(tags: readonly string[] | undefined): string[] {
    if (tags === undefined || tags.length === 0) return [""];
    return eligibleOf(this.summary?.latest().data()?.tagSets ?? [], tags);
  }

  private paused(): boolean {
    return this.pausable && this.summary?.latest().data()?.paused === true;
  }

  /** Offers what the listeners hold to the idle waiters, oldest first. */
  dispatch(): void {
    if (this.waiting.length === 0 || this.paused()) return;
    const held = new Map<string, Candidate>();
    for (const head of this.heads.values()) for (const doc of head.latest().docs) held.set(doc.id, doc);
    const tried = new Set<string>();
    for (const entry of this.waiting) {
      // Forget what waiters declined once it left the heads (or changed): it may come back new.
      for (const [id, version] of entry.declined)
        if (held.get(id)?.updateTime.toMillis() !== version) entry.declined.delete(id);
      for (const id of entry.trying.keys()) tried.add(id);
    }
    // A job a claim under way was offered is not offered to a second waiter meanwhile.
    const open = [...held.values()].filter((doc) => !tried.has(doc.id)).sort(byPriorityThenAge);
    const dueAt = this.nextDueAt();
    let dueOffered = false;
    for (const entry of this.waiting) {
      if (entry.busy) continue;
      const sets = new Set(this.setsFor(entry.waiter.tags));
      const mine: Candidate[] = [];
      for (let i = 0; i < open.length && mine.length < entry.waiter.limit;) {
        const doc = open[i] as Candidate;
        const job = doc.data();
        const mayTake =
          sets.has(tagSetOfShard(this.queue, job.pendingShard)) &&
          carriesTags(entry.waiter.tags, job.tags) &&
          entry.declined.get(doc.id) !== doc.updateTime.toMillis();
        if (mayTake) {
          mine.push(doc);
          open.splice(i, 1);
        } else i++;
      }
      const due = !dueOffered && dueAt !== null && dueAt <= Date.now() && dueAt !== this.dueTried;
      if (mine.length === 0 && !due) continue;
      if (mine.length === 0) {
        dueOffered = true;
        this.dueTried = dueAt;
      }
      for (const doc of mine) entry.trying.set(doc.id, doc.updateTime.toMillis());
      entry.busy = true;
      entry.waiter.wake(mine);
    }
    this.scheduleDue(dueAt);
  }

  /** When the next delayed job falls due (ms), or null when there is none (or no listener on them). */
  private nextDueAt(): number | null {
    return this.later?.latest().docs[0]?.data().runAt?.toMillis() ?? null;
  }

  /** Dispatches again when the next delayed job falls due (or LATER_CHECK_MS after one tried and still there). */
  private scheduleDue(dueAt: number | null): void {
    clearTimeout(this.dueTimer);
    if (dueAt === null) return;
    const inMs = dueAt === this.dueTried ? LATER_CHECK_MS : Math.max(0, dueAt - Date.now());
    this.dueTimer = setTimeout(
      () => {
        if (dueAt === this.dueTried) this.dueTried = null;
        this.dispatch();
      },
      Math.min(inMs, LONGEST_TIMER_MS),
    );
  }

  private failAll(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    for (const entry of [...this.waiting]) entry.waiter.fail(failure);
  }
}

/** The tag set of a pending shard key (`queue#n` or `queue#n#set`). */
function tagSetOfShard(queue: string, shard: string | null | undefined): string {
  if (typeof shard !== "string" || !shard.startsWith(`${queue}#`)) return "\u0000";
  const rest = shard.slice(queue.length + 1);
  const hash = rest.indexOf("#");
  return hash < 0 ? "" : rest.slice(hash + 1);
}

const watches = new Map<string, QueueWatch>();

/**
 * The process's watch on `queue`, made on first use. A queue's options are the same for every
 * caller (its face decides them), so the first caller's stand.
 */
export function queueWatch(queue: string, options: { delayed: boolean; pausable: boolean }): QueueWatch {
  let watch = watches.get(queue);
  if (watch === undefined) {
    watch = new QueueWatch(queue, options.delayed, options.pausable);
    watches.set(queue, watch);
  }
  return watch;
}

export type { QueueWatch };
