import type { Response } from "express";

/**
 * Aborts when the caller closes its connection before the answer is written: a runner that
 * stopped, restarted or timed out while its lease call waited. A wait that went on would lease
 * the next job to nobody, and that job would sit out its lease before anyone got it.
 */
export function callerGone(res: Response): AbortSignal {
  const gone = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) gone.abort();
  });
  return gone.signal;
}
