#!/usr/bin/env node
// A fake LLM for the intake chat (offline): reads the chat JSON on stdin and streams a canned
// answer, one JSON line a piece, as the reference runner's `llm` command protocol has it
// (docs/intake.md): {"text": "..."} per piece, {"usage": {...}} at the end.
// Environment: FAKE_LLM_DELAY_MS between pieces (default 20); FAKE_LLM_PIECES to stream that
// many pieces instead of the canned answer (budget tests); FAKE_LLM_FAIL to fail like a provider.
"use strict";
const { setTimeout } = require("node:timers");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => void main(JSON.parse(input || "{}")));

async function main(chat) {
  const delayMs = Number(process.env.FAKE_LLM_DELAY_MS ?? 20);
  if (process.env.FAKE_LLM_FAIL) {
    console.log(JSON.stringify({ error: process.env.FAKE_LLM_FAIL }));
    process.exit(1);
  }
  const last = [...(chat.messages ?? [])].reverse().find((m) => m.role === "user");
  const count = Number(process.env.FAKE_LLM_PIECES ?? 0);
  const pieces =
    count > 0
      ? Array.from({ length: count }, (_, i) => `t${i} `)
      : `Here is a plan for "${last ? last.content : ""}": scope it, write the tests, then ship it.`.split(/(?<= )/);
  let inputTokens = 0;
  for (const m of chat.messages ?? []) inputTokens += String(m.content).split(/\s+/).length;
  for (const text of pieces) {
    process.stdout.write(`${JSON.stringify({ text })}\n`);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  process.stdout.write(`${JSON.stringify({ usage: { inputTokens, outputTokens: pieces.length } })}\n`);
}
