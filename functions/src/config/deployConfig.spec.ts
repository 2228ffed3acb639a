import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as functions from "../index";
import { REGION } from "./runtimeOptions";

const ROOT = join(__dirname, "..", "..", "..");
const readJson = <T>(name: string) => JSON.parse(readFileSync(join(ROOT, name), "utf8")) as T;

interface FirebaseJson {
  storage?: { rules?: string };
  hosting: {
    headers?: { source: string; headers: { key: string; value: string }[] }[];
    rewrites: { source: string; function?: { functionId: string; region: string } }[];
  };
}
interface Endpoint {
  region?: string[];
  maxInstances?: unknown;
  availableMemoryMb?: number | null;
  concurrency?: number | null;
  cpu?: number | null;
  httpsTrigger?: unknown;
}

const endpointOf = (name: string): Endpoint => {
  const fn = (functions as Record<string, unknown>)[name] as { __endpoint?: Endpoint } | undefined;
  assert.ok(fn?.__endpoint !== undefined, `${name} is exported`);
  return fn.__endpoint;
};

describe("production settings", () => {
  const firebase = readJson<FirebaseJson>("firebase.json");

  it("storage.rules is deployed and denies every client read and write", () => {
    assert.equal(firebase.storage?.rules, "storage.rules");
    const rules = readFileSync(join(ROOT, "storage.rules"), "utf8").replace(/\/\/.*$/gm, "");
    const allows = [...rules.matchAll(/allow\s+([^:;]+)(?::\s*([^;]*))?;/g)];
    assert.deepEqual(
      allows.map((m) => [(m[1] ?? "").trim(), (m[2] ?? "").trim()]),
      [["read, write", "if false"]],
    );
    assert.match(rules, /match \/\{allPaths=\*\*\}/);
  });

  it("the Studio is served with a strict CSP, nosniff, no referrer and no framing", () => {
    const rule = firebase.hosting.headers?.find((h) => h.source === "/dashboard/**");
    assert.ok(rule !== undefined, "headers for /dashboard/**");
    const header = (key: string) => rule.headers.find((h) => h.key.toLowerCase() === key)?.value;
    const csp = new Map(
      (header("content-security-policy") ?? "")
        .split(";")
        .map((d) => d.trim().split(/\s+/))
        .map(([name = "", ...sources]) => [name, sources.join(" ")]),
    );
    assert.equal(csp.get("script-src"), "'self'");
    assert.equal(csp.get("style-src"), "'self'");
    assert.equal(csp.get("img-src"), "'self' data: blob:");
    assert.equal(csp.get("form-action"), "'none'");
    assert.equal(csp.get("frame-ancestors"), "'none'");
    assert.equal(csp.get("base-uri"), "'none'");
    assert.equal(csp.get("object-src"), "'none'");
    // Firebase Auth's own endpoints only (the local stack adds the Auth emulator).
    assert.equal(
      csp.get("connect-src"),
      "'self' https://identitytoolkit.googleapis.com https://securetoken.googleapis.com",
    );
    assert.equal(header("x-content-type-options"), "nosniff");
    assert.equal(header("referrer-policy"), "no-referrer");
  });

  it("every function runs in the one region the Hosting rewrites name, with the instance cap as a global option", () => {
    const names = Object.keys(functions);
    assert.ok(names.length > 50);
    for (const name of names) {
      const endpoint = endpointOf(name);
      assert.deepEqual(endpoint.region, [REGION], name);
      assert.match(String(endpoint.maxInstances), /MAX_INSTANCES/, name);
    }
    for (const rewrite of firebase.hosting.rewrites)
      if (rewrite.function !== undefined) assert.equal(rewrite.function.region, REGION, rewrite.source);
  });

  it("uploads, large bodies, downloads and streams get their own memory and concurrency", () => {
    const expect: Record<string, Pick<Endpoint, "availableMemoryMb" | "concurrency">> = {
      coderunnerUpload: { availableMemoryMb: 1024, concurrency: 8 },
      coderunnerProxyUpload: { availableMemoryMb: 1024, concurrency: 8 },
      jobRunnerArtifacts: { availableMemoryMb: 1024, concurrency: 16 },
      completeWorkspaceJob: { availableMemoryMb: 1024, concurrency: 16 },
      coderunnerExecutionBundle: { availableMemoryMb: 512, concurrency: 32 },
      jobArtifactContent: { availableMemoryMb: 512, concurrency: 32 },
      workspaceFile: { availableMemoryMb: 512, concurrency: 32 },
      jobStream: { availableMemoryMb: 256, concurrency: 250 },
      fleetPendingTasks: { availableMemoryMb: 256, concurrency: 250 },
    };
    for (const [name, settings] of Object.entries(expect)) {
      const endpoint = endpointOf(name);
      assert.deepEqual(
        { availableMemoryMb: endpoint.availableMemoryMb, concurrency: endpoint.concurrency },
        settings,
        name,
      );
      assert.equal(endpoint.cpu, 1, `${name}: concurrency needs a whole vCPU`);
    }
  });

  it("finished jobs, log lines, artifacts, webhook deliveries and intake sessions expire by TTL; params, results, log lines and forwarded headers are not indexed", () => {
    const { fieldOverrides } = readJson<{
      fieldOverrides: { collectionGroup: string; fieldPath: string; ttl?: boolean; indexes: unknown[] }[];
    }>("firestore.indexes.json");
    const ttl = fieldOverrides.filter((o) => o.ttl === true).map((o) => `${o.collectionGroup}.${o.fieldPath}`);
    assert.deepEqual(ttl.sort(), [
      "artifacts.expireAt",
      "deliveries.expireAt",
      "intakeSessions.expireAt",
      "jobs.expireAt",
      "logs.expireAt",
    ]);
    const exempt = fieldOverrides
      .filter((o) => o.indexes.length === 0)
      .map((o) => `${o.collectionGroup}.${o.fieldPath}`);
    for (const field of [
      "jobs.payload.params",
      "jobs.result",
      "logs.line",
      "jobs.payload.headers",
      "deliveries.headers",
      // The metrics tally is only ever read whole: its map leaves need no index entries.
      "metricTallies.queues",
    ])
      assert.ok(exempt.includes(field), field);
  });

  it("every param has a description", () => {
    const source = readFileSync(join(__dirname, "params.ts"), "utf8");
    const defines = [...source.matchAll(/define(?:Int|String|Secret|Boolean)\("(\w+)", \{([^}]*)\}/g)];
    assert.ok(defines.length >= 10);
    for (const [, name, options] of defines)
      assert.match(options ?? "", /description:\s*"[^"]{10,}"/, `${name ?? "?"} has a description`);
  });
});
