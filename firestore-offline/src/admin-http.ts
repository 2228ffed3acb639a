// The HTTP/1.1 admin API, served on the same port as gRPC (like the official emulator's REST
// endpoints beside its gRPC service):
//
//   GET    /                                                      → 200 "Ok" (health)
//   DELETE /emulator/v1/projects/{project}/databases/{db}/documents → clears that database
//   GET    /emulator/v1/stats                                      → counters (JSON, see stats.ts)
//   POST   /emulator/v1/stats:reset                                → zeroes the counters
//   POST   /emulator/v1/export                                     → writes the export now
//
// Only loopback Host names are served (127.0.0.1, localhost, [::1], with any port): a web page
// that points a DNS name at 127.0.0.1 (DNS rebinding) gets 403 and cannot clear or read data.

import * as http from "node:http";
import type { Stats } from "./stats";

export interface AdminActions {
  clearDatabase(project: string, database: string): void;
  stats(): Stats;
  resetStats(): void;
  /** Writes the export; undefined when no data directory is configured. */
  exportNow(): Promise<string | undefined>;
}

const CLEAR_PATH = /^\/emulator\/v1\/projects\/([^/]+)\/databases\/([^/]+)\/documents\/?$/;
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

export function createAdminServer(actions: AdminActions): http.Server {
  return http.createServer((req, res) => {
    const reply = (code: number, body: unknown) => {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      res.writeHead(code, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
      res.end(text);
    };
    if (!LOOPBACK_HOST.test(req.headers.host ?? "")) {
      req.resume();
      reply(403, { error: `Host ${JSON.stringify(req.headers.host ?? "")} is not a loopback name.` });
      return;
    }
    void route(req.method ?? "GET", new URL(req.url ?? "/", "http://127.0.0.1").pathname)
      .then(([code, body]) => reply(code, body))
      .catch((err: unknown) => reply(500, { error: err instanceof Error ? err.message : String(err) }));
    // Bodies are never needed; drain them so keep-alive connections stay usable.
    req.resume();
  });

  async function route(method: string, pathname: string): Promise<[number, unknown]> {
    if (pathname === "/" && method === "GET") return [200, "Ok"];
    const clear = CLEAR_PATH.exec(pathname);
    if (clear !== null && method === "DELETE") {
      actions.clearDatabase(decodeURIComponent(clear[1] ?? ""), decodeURIComponent(clear[2] ?? ""));
      return [200, {}];
    }
    if (pathname === "/emulator/v1/stats" && method === "GET") return [200, actions.stats()];
    if (pathname === "/emulator/v1/stats:reset" && method === "POST") {
      actions.resetStats();
      return [200, actions.stats()];
    }
    if (pathname === "/emulator/v1/export" && method === "POST") {
      const file = await actions.exportNow();
      return file === undefined ? [400, { error: "No data directory configured (--data)." }] : [200, { file }];
    }
    return [404, { error: `No route for ${method} ${pathname}` }];
  }
}
