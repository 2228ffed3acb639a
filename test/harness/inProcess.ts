/**
 * The functions served from this test process, over the running stack's Firestore and Auth
 * emulator: the same exports (options and wrappers included) that the functions emulator runs,
 * routed by firebase.json's own Hosting rewrites, in order. Sweeps over every route (the
 * authorization matrix, the bad-input test) run here at full width, where a call costs
 * milliseconds instead of an emulator worker's round trip; the emulator still answers a sample
 * of the same cases, so the deployed wiring is checked too.
 */
import { readFileSync } from "node:fs";
import { type Server } from "node:http";
import { type AddressInfo } from "node:net";
import { join } from "node:path";
import express from "express";
import picomatch from "picomatch";
import { PORTS } from "../../scripts/stack";
import { adminDb } from "./stack";

type Handler = (req: unknown, res: unknown) => unknown;

interface Rewrite {
  source: string;
  function?: { functionId: string } | string;
}

const ROOT = join(__dirname, "..", "..");

/** `KEY=value` lines of a functions env file (the emulator's params), quotes and `\n` unescaped. */
function readEnvFile(path: string): Record<string, string> {
  let text = "";
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return {};
  }
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match === null) continue;
    const [, key = "", raw = ""] = match;
    env[key] = /^".*"$/.test(raw) ? raw.slice(1, -1).replace(/\\n/g, "\n") : raw;
  }
  return env;
}

export interface InProcessFunctions {
  base: string;
  stop(): Promise<void>;
}

/**
 * Serves every HTTPS function on a free loopback port. Sets, for this process, what the functions
 * emulator gives its workers: the params files, the emulator flag and the Auth emulator's host.
 */
export async function serveFunctionsInProcess(): Promise<InProcessFunctions> {
  adminDb(); // FIRESTORE_EMULATOR_HOST for this process: the stack's Firestore
  // The stack runs a snapshot of the project (scripts/stack.ts), where it writes the local params
  // and secrets (the dev Control Plane key, the webhook master key).
  const functionsDir = join(ROOT, ".runnerplane", "stack-project", "functions");
  const env = {
    ...readEnvFile(join(functionsDir, ".env")),
    ...readEnvFile(join(functionsDir, ".env.demo-runnerplane")),
    ...readEnvFile(join(functionsDir, ".env.local")),
    ...readEnvFile(join(functionsDir, ".secret.local")),
    FUNCTIONS_EMULATOR: "true",
    FIREBASE_AUTH_EMULATOR_HOST: `127.0.0.1:${PORTS.auth}`,
  };
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);

  // Loaded after the environment is set, as the emulator's workers load them.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require("../../functions/src/index") as Record<string, unknown>;
  const config = JSON.parse(readFileSync(join(ROOT, "firebase.json"), "utf8")) as {
    hosting: { rewrites: Rewrite[] } | { rewrites: Rewrite[] }[];
  };
  const hosting = Array.isArray(config.hosting) ? config.hosting[0] : config.hosting;
  const routes = (hosting?.rewrites ?? []).flatMap((rewrite) => {
    const id = typeof rewrite.function === "string" ? rewrite.function : rewrite.function?.functionId;
    const handler = id === undefined ? undefined : exported[id];
    return typeof handler === "function"
      ? [{ matches: picomatch(rewrite.source, { dot: true }), handler: handler as Handler }]
      : [];
  });

  const app = express();
  app.disable("x-powered-by");
  // As the functions framework does: the body kept raw (our routes parse it themselves).
  app.use(express.raw({ type: () => true, limit: "32mb" }));
  app.use((req, res) => {
    (req as unknown as { rawBody: Buffer }).rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const route = routes.find((r) => r.matches(req.path));
    if (route === undefined) {
      res.status(404).send("no rewrite");
      return;
    }
    void route.handler(req, res);
  });
  const server: Server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    },
  };
}
