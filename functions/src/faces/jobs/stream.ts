import type { Response } from "express";
import type { Request } from "firebase-functions/v2/https";
import { z } from "zod";
import { intParam, JOB_STREAM_MAX_MS } from "../../config/params";
import {
  DEFAULT_STREAM_MAX_MS,
  openJobStream,
  parseLastEventId,
  STREAM_KEEPALIVE_MS,
  STREAM_POLL_MS,
  STREAM_RETRY_MS,
  streamJobEvents,
  type StreamSink,
} from "../../core/jobsApi/streamJob";
import { openStreamSlot } from "../../core/quotas/streamSlots";
import { ALREADY_SENT, endpoint } from "../../http/route";
import { actorOf, JOBS_READ } from "./auth";
import { jobParams } from "./schemas";

/**
 * `GET /jobs/:jobId/stream` → `text/event-stream`: `log` events (id = the line's sequence
 * number, data `{seq, line, stream, at}`), `status` events on each change, and `end` once the
 * job has ended and its last lines were sent. Resumable: `Last-Event-ID` (or `?lastEventId=`)
 * names the last line the client has. The response closes itself after JOB_STREAM_MAX_MS;
 * clients reconnect. A reconnect to an ended job with nothing left is 204 (EventSource stops).
 */
export const streamJob = endpoint({
  face: "jobs",
  method: "GET",
  path: "/jobs/:jobId/stream",
  auth: JOBS_READ,
  params: jobParams,
  query: z.object({ lastEventId: z.string().max(20).optional() }),
  handler: async ({ principal, params, query, req, res, now }) => {
    const header = req.headers["last-event-id"];
    const raw = typeof header === "string" ? header : query.lastEventId;
    const lastSeq = parseLastEventId(raw);
    const opened = await openJobStream(principal.teamId, params.jobId, lastSeq, raw !== undefined);
    if (opened.kind === "finished") {
      res.status(204).end();
      return ALREADY_SENT;
    }
    const maxMs = intParam(JOB_STREAM_MAX_MS, DEFAULT_STREAM_MAX_MS);
    // MAX_OPEN_STREAMS per caller: refused (429) before anything is sent.
    const slot = await openStreamSlot(actorOf(principal), maxMs, now);
    try {
      res.status(200);
      res.setHeader("content-type", "text/event-stream; charset=utf-8");
      res.setHeader("cache-control", "no-cache, no-transform");
      res.setHeader("x-accel-buffering", "no");
      res.flushHeaders();
      await streamJobEvents(opened.source, responseSink(req, res), realClock, {
        lastSeq,
        maxMs,
        pollMs: STREAM_POLL_MS,
        keepaliveMs: STREAM_KEEPALIVE_MS,
        retryMs: STREAM_RETRY_MS,
      });
    } finally {
      // Before the response ends: work after it may get no CPU.
      await slot.release();
    }
    res.end();
    return ALREADY_SENT;
  },
});

const realClock = {
  now: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

function responseSink(req: Request, res: Response): StreamSink {
  let closed = false;
  const markClosed = () => {
    closed = true;
  };
  req.on("close", markClosed);
  res.on("close", markClosed);
  return {
    closed: () => closed,
    write: (chunk) =>
      new Promise<void>((resolve) => {
        if (closed || res.write(chunk)) {
          resolve();
          return;
        }
        // Full socket buffer: wait for it to drain, or for the client to go away.
        const done = () => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.once("drain", done);
        res.once("close", done);
      }),
  };
}
