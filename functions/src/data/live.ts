import type { DocumentReference, DocumentSnapshot, Firestore, Query, QuerySnapshot } from "firebase-admin/firestore";

/**
 * How long a listener stays open after its last use. A runner polls or waits every few seconds to
 * half a minute, so the listener its calls share stays open while it works, and an instance that
 * stops serving a queue or a key closes it after this.
 */
export const LIVE_KEEP_MS = 5 * 60_000;
/** Listeners one process keeps at most; past it, the least recently used idle one is closed. */
export const LIVE_MAX = 1_000;

interface Live<S> {
  /** The last snapshot delivered; undefined until the first. */
  latest: S | undefined;
  /** Settles with the first snapshot (or the listener's error). */
  ready: Promise<S>;
  /** Called with every snapshot after the first, and on error. */
  subscribers: Set<Subscriber<S>>;
  stop: () => void;
  usedAt: number;
}

export interface Subscriber<S> {
  next(snap: S): void;
  error(error: Error): void;
}

/** A handle on a shared listener: its latest snapshot, and a way to stop hearing from it. */
export interface Watching<S> {
  latest(): S;
  unsubscribe(): void;
}

const byDatabase = new WeakMap<Firestore, Map<string, Live<unknown>>>();

/**
 * A document as this process's shared listener on it last saw it. The first call opens the
 * listener and waits for its first snapshot (one billed read); later calls cost nothing, and a
 * change reaches every caller as soon as Firestore delivers it, so what this answers is as fresh
 * as a read for anything committed before the caller's request arrived (Firestore sends a commit
 * to listeners as it applies it). Use it for documents read on every call and rarely written:
 * a runner key, a queue's summary, a runner's registration.
 */
export async function liveDoc<T>(ref: DocumentReference<T>): Promise<DocumentSnapshot<T>> {
  const live = open<DocumentSnapshot<T>>(ref.firestore, `doc:${ref.path}`, (next, fail) => ref.onSnapshot(next, fail));
  try {
    await live.ready;
    return live.latest ?? (await live.ready);
  } catch {
    // The listener failed (it is closed and forgotten): this call reads instead.
    return ref.get();
  }
}

/**
 * Closes this process's listener on `ref`, if any: for a document a caller named that turned out
 * not to be worth watching (an unknown key id, a wrong secret), so made-up ids cannot fill the
 * process with listeners.
 */
export function dropLiveDoc(ref: DocumentReference): void {
  const lives = byDatabase.get(ref.firestore);
  const live = lives?.get(`doc:${ref.path}`);
  if (live === undefined || live.subscribers.size > 0) return;
  live.stop();
  lives?.delete(`doc:${ref.path}`);
}

/**
 * Subscribes to `query` through this process's shared listener on it (`key` names the query):
 * waits for the first snapshot, then calls `subscriber` with each later one. Unsubscribing leaves
 * the listener open for LIVE_KEEP_MS, for the next caller.
 */
export function watchQuery<T>(
  key: string,
  query: Query<T>,
  subscriber: Subscriber<QuerySnapshot<T>>,
): Promise<Watching<QuerySnapshot<T>>> {
  return subscribe(
    open(query.firestore, `query:${key}`, (next, fail) => query.onSnapshot(next, fail)),
    subscriber,
  );
}

/** As `watchQuery`, for one document (the listener `liveDoc` shares). */
export function watchDoc<T>(
  ref: DocumentReference<T>,
  subscriber: Subscriber<DocumentSnapshot<T>>,
): Promise<Watching<DocumentSnapshot<T>>> {
  return subscribe(
    open(ref.firestore, `doc:${ref.path}`, (next, fail) => ref.onSnapshot(next, fail)),
    subscriber,
  );
}

/** The latest snapshot of a query's shared listener, opening it if needed (see `watchQuery`). */
export async function liveQuery<T>(key: string, query: Query<T>): Promise<QuerySnapshot<T>> {
  const live = open<QuerySnapshot<T>>(query.firestore, `query:${key}`, (next, fail) => query.onSnapshot(next, fail));
  try {
    await live.ready;
    return live.latest ?? (await live.ready);
  } catch {
    // The listener failed (it is closed and forgotten): this call reads instead.
    return query.get();
  }
}

async function subscribe<S>(live: Live<S>, subscriber: Subscriber<S>): Promise<Watching<S>> {
  const first = await live.ready;
  live.subscribers.add(subscriber);
  return {
    latest: () => live.latest ?? first,
    unsubscribe: () => {
      live.subscribers.delete(subscriber);
      live.usedAt = performance.now();
    },
  };
}

function open<S>(
  firestore: Firestore,
  key: string,
  listen: (next: (snap: S) => void, fail: (error: Error) => void) => () => void,
): Live<S> {
  let lives = byDatabase.get(firestore);
  if (lives === undefined) {
    lives = new Map();
    byDatabase.set(firestore, lives);
  }
  const now = performance.now();
  const known = lives.get(key) as Live<S> | undefined;
  if (known !== undefined) {
    known.usedAt = now;
    return known;
  }
  sweep(lives, now);
  let settle: { resolve: (snap: S) => void; reject: (error: Error) => void } | undefined;
  const live: Live<S> = {
    latest: undefined,
    ready: new Promise<S>((resolve, reject) => (settle = { resolve, reject })),
    subscribers: new Set(),
    stop: () => undefined,
    usedAt: now,
  };
  // A failed first snapshot is the caller's to handle; nobody else may be listening for it.
  live.ready.catch(() => undefined);
  const forget = () => {
    if (lives.get(key) === live) lives.delete(key);
  };
  live.stop = listen(
    (snap) => {
      const first = live.latest === undefined;
      live.latest = snap;
      if (first) settle?.resolve(snap);
      else for (const subscriber of [...live.subscribers]) subscriber.next(snap);
    },
    (error) => {
      forget();
      settle?.reject(error);
      for (const subscriber of [...live.subscribers]) subscriber.error(error);
    },
  );
  lives.set(key, live);
  return live;
}

/** Closes listeners nobody used for LIVE_KEEP_MS, and the least recently used idle ones past LIVE_MAX. */
function sweep(lives: Map<string, Live<unknown>>, now: number): void {
  const idle = [...lives].filter(([, live]) => live.subscribers.size === 0);
  const excess = Math.max(0, lives.size + 1 - LIVE_MAX);
  idle.sort(([, a], [, b]) => a.usedAt - b.usedAt);
  idle.forEach(([key, live], index) => {
    if (index < excess || now - live.usedAt >= LIVE_KEEP_MS) {
      live.stop();
      lives.delete(key);
    }
  });
}
