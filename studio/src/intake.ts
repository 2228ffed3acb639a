/**
 * One turn of seed 002's plan-mode chat: `POST /intake/stream` with the conversation so far,
 * read as Server-Sent Events through fetch (the ID token rides in a header). Events are told
 * apart by their `event:` name or, as seed 002 sends them, by the `type` in each `data:` payload:
 * `token` `{ text }` deltas, then `done` (with usage) or `error` `{ message, reason? }`.
 */
import { authedFetch, describeFailure, readBody } from "./api";
import { SseParser } from "./sse";

export interface ChatMessage {
  role: "user" | "assistant";
  content: string;
}

export interface TurnUsage {
  inputTokens?: number;
  outputTokens?: number;
}

export interface TurnHandlers {
  onToken(text: string): void;
}

/** How a turn ended: the answer is complete, or the server or the runner said why not. */
export type TurnEnd =
  { kind: "done"; usage: TurnUsage | null } | { kind: "error"; message: string; reason: string | null };

/** A stable id for this browser tab's conversation: the server's budgets are per session. */
export function newSessionId(): string {
  return crypto.randomUUID();
}

/** Words for the reasons the server gives, where its own message is not enough on its own. */
const REASON_WORDS: Record<string, string> = {
  "no-llm": "No runner with an LLM is online in this team. Start one (see docs/intake.md) and try again.",
  budget: "This conversation has used its budget. Start a new conversation.",
};

export async function runTurn(
  body: { sessionId: string; messages: ChatMessage[]; model?: string; context?: Record<string, unknown> },
  handlers: TurnHandlers,
  signal: AbortSignal,
): Promise<TurnEnd> {
  const response = await authedFetch("/intake/stream", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ context: {}, ...body }),
    signal,
  });
  if (!response.ok || response.body === null) {
    const parsed = await readBody(response);
    const failure = describeFailure(response.status, parsed);
    const reason = reasonOf(parsed) ?? failure.reason;
    return { kind: "error", message: wordsFor(reason, failure.message), reason };
  }
  const parser = new SseParser();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const event of parser.push(value)) {
      const data = parseObject(event.data);
      if (data === null) continue;
      const type = event.event !== "message" ? event.event : typeof data.type === "string" ? data.type : "";
      if (type === "token" && typeof data.text === "string") handlers.onToken(data.text);
      else if (type === "done") return { kind: "done", usage: usageOf(data) };
      else if (type === "error") {
        const reason = reasonOf(data);
        const message = typeof data.message === "string" ? data.message : "The turn failed.";
        return { kind: "error", message: wordsFor(reason, message), reason };
      }
    }
  }
  return { kind: "error", message: "The answer stopped before it was complete. Try again.", reason: null };
}

function wordsFor(reason: string | null, message: string): string {
  const words = reason === null ? undefined : REASON_WORDS[reason];
  return words === undefined ? message : `${words} (${message})`;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function reasonOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null) return null;
  const reason = (body as Record<string, unknown>).reason;
  return typeof reason === "string" ? reason : null;
}

function usageOf(data: Record<string, unknown>): TurnUsage | null {
  const usage = data.usage;
  if (typeof usage !== "object" || usage === null) return null;
  const u = usage as Record<string, unknown>;
  const out: TurnUsage = {};
  if (typeof u.inputTokens === "number") out.inputTokens = u.inputTokens;
  if (typeof u.outputTokens === "number") out.outputTokens = u.outputTokens;
  return out;
}
