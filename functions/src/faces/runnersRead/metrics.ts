import { z } from "zod";
import { readMetrics } from "../../core/metrics/readMetrics";
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from "../../core/metrics/prometheusText";
import { ALREADY_SENT, endpoint } from "../../http/route";

/** `?history=1` adds the last hour, minute by minute (JSON only: the Studio's charts). */
const metricsQuery = z.object({ history: z.enum(["0", "1"]).optional() }).strict();

/**
 * `GET /api/metrics`: a team's queue and fleet metrics, as Prometheus text (version 0.0.4), or as
 * JSON when the caller accepts `application/json` (and not text first).
 */
export const getMetrics = endpoint({
  face: "runnersRead",
  method: "GET",
  path: "/api/metrics",
  auth: { accept: ["user", "apiKey"], scope: "runners:read" },
  query: metricsQuery,
  handler: async ({ principal, query, req, res, now }) => {
    const metrics = await readMetrics(principal.teamId, now, query.history === "1");
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("Vary", "Accept");
    if (wantsJson(req.get("accept"))) return { body: metrics };
    // Written as is: Express's send() would re-order the content type's parameters.
    res.setHeader("Content-Type", PROMETHEUS_CONTENT_TYPE);
    res.status(200).end(prometheusText(metrics));
    return ALREADY_SENT;
  },
});

/** JSON when `application/json` is accepted and ranked above `text/plain` (Prometheus sends text). */
function wantsJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const rank = (type: string): number => {
    for (const part of accept.split(",")) {
      const [name, ...params] = part.trim().split(";");
      if (name?.trim().toLowerCase() !== type) continue;
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return q === undefined ? 1 : Number(q.slice(2)) || 0;
    }
    return -1;
  };
  const json = rank("application/json");
  return json > 0 && json >= rank("text/plain");
}
