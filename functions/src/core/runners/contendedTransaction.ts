import type { Transaction } from "firebase-admin/firestore";
import { db } from "../../data/firestore";
import { ServiceUnavailable } from "../../http/errors";

/** Attempts before a contended transaction gives up (answered 503 TRY_AGAIN with Retry-After, as on every face). */
export const CONTENDED_TX_ATTEMPTS = 40;
/** Upper bound of the random pause between attempts; grows with each attempt up to this. */
export const CONTENDED_TX_MAX_PAUSE_MS = 200;
const PAUSE_STEP_MS = 10;

/**
 * A short transaction on a document many callers meet on (the runner id counter, one runner's
 * document, which its claims, heartbeats and results all write). The SDK's own retries back off exponentially from a second, which lets twenty
 * concurrent registrations run past the function timeout; a conflict here costs one short
 * random pause instead, since each round one contender commits and the rest go again at once.
 */
export async function runContendedTransaction<T>(
  work: (tx: Transaction) => Promise<T>,
  attempts = CONTENDED_TX_ATTEMPTS,
): Promise<T> {
  return retryWhileAborted(() => db().runTransaction(work, { maxAttempts: 1 }), attempts);
}

/** Runs `once` again after a short random pause while it fails ABORTED; past `attempts`, 503 TRY_AGAIN. */
export async function retryWhileAborted<T>(once: () => Promise<T>, attempts: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once();
    } catch (error) {
      if (!isAborted(error)) throw error;
      if (attempt >= attempts)
        throw new ServiceUnavailable(
          "Too many concurrent updates to the same record; retry shortly. Nothing was changed.",
        );
      const pause = Math.random() * Math.min(CONTENDED_TX_MAX_PAUSE_MS, PAUSE_STEP_MS * attempt);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/** ABORTED: something the transaction read changed before it committed. */
function isAborted(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 10 || code === "aborted";
}
