#!/usr/bin/env node
// A fake plugin (offline): answers the rpc requests the reference runner passes it
// (`{ method, pluginId, params }` JSON on stdin) with a JSON object on its last stdout line
// (docs/intake.md). Environment: FAKE_PLUGIN_DELAY_MS before answering (timeout tests).
"use strict";
const { setTimeout } = require("node:timers");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const request = JSON.parse(input || "{}");
  const delayMs = Number(process.env.FAKE_PLUGIN_DELAY_MS ?? 0);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  const answers = {
    "plugins.models": {
      models: [
        { id: "fake-small", contextTokens: 8192 },
        { id: "fake-large", contextTokens: 200000 },
      ],
    },
    "plugins.healthcheck": { healthy: true, pluginId: request.pluginId },
    "plugins.remove": { removed: false, reason: "fake plugins stay" },
    "test.git": { ok: true, repo: request.params?.repo ?? null, defaultBranch: "main" },
    "test.tracker": { ok: true, project: request.params?.project ?? null },
  };
  const answer = answers[request.method];
  if (answer === undefined) {
    process.stderr.write(`fake plugin: no answer for ${request.method}\n`);
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
});
