import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FleetClient } from "./fleet";
import { HttpClient } from "./http";

const RUNNER = {
  id: "r1",
  seq: 1,
  name: "r1",
  version: "1",
  os: "linux",
  arch: "x64",
  tags: [],
  maxConcurrency: 2,
  status: "online",
  currentJobs: 0,
  reportedJobs: 0,
  heldJobs: 0,
  lastHeartbeatAt: null,
  offlineAt: null,
  createdAt: null,
  updatedAt: null,
};

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A fleet face that answers every call with the runner, recording what it was sent. */
async function fleetFace(): Promise<{ url: string; server: Server; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      seen.push({ path: req.url ?? "", headers: req.headers, body: text === "" ? null : JSON.parse(text) });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ data: RUNNER }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

describe("FleetClient: what the runner offers", () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it("sends its capabilities and plugins on register (headers) and heartbeat (body)", async () => {
    const face = await fleetFace();
    server = face.server;
    const http = new HttpClient({ baseUrl: face.url, token: "k.s" });
    const fleet = new FleetClient(http, "r1", { capabilities: ["git", "llm"], plugins: ["fakegit"] });
    await fleet.register({ name: "r1", tags: ["gpu"] });
    await fleet.heartbeat("busy", 2);
    const [register, heartbeat] = face.seen;
    assert.equal(register?.path, "/api/runners/register");
    assert.equal(register?.headers["x-runner-capabilities"], "git,llm");
    assert.equal(register?.headers["x-runner-plugins"], "fakegit");
    assert.equal(register?.headers["x-runner-tags"], "gpu");
    assert.deepEqual(heartbeat?.body, {
      status: "busy",
      currentJobs: 2,
      capabilities: ["git", "llm"],
      plugins: ["fakegit"],
    });
  });

  it("offering nothing sends seed 004's calls alone", async () => {
    const face = await fleetFace();
    server = face.server;
    const fleet = new FleetClient(new HttpClient({ baseUrl: face.url, token: "k.s" }), "r1");
    await fleet.register({});
    await fleet.heartbeat("online", 0);
    const [register, heartbeat] = face.seen;
    assert.equal(register?.headers["x-runner-capabilities"], undefined);
    assert.equal(register?.headers["x-runner-plugins"], undefined);
    assert.deepEqual(heartbeat?.body, { status: "online", currentJobs: 0 });
  });
});
