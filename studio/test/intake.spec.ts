import assert from "node:assert/strict";
import { setTokenSource } from "../src/api";
import { runTurn } from "../src/intake";

/** Answers every fetch with `body` split into `chunks` (SSE arrives in arbitrary pieces). */
function serve(status: number, chunks: string[], contentType = "text/event-stream") {
  const sent: { path: string; init: RequestInit }[] = [];
  const stream = () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
        controller.close();
      },
    });
  globalThis.fetch = ((path: string, init: RequestInit) => {
    sent.push({ path, init });
    return Promise.resolve(new Response(stream(), { status, headers: { "content-type": contentType } }));
  }) as typeof fetch;
  return sent;
}

describe("studio intake chat turn", () => {
  const realFetch = globalThis.fetch;
  before(() => setTokenSource(() => Promise.resolve("id-token")));
  after(() => {
    globalThis.fetch = realFetch;
    setTokenSource(null);
  });
  const turn = (tokens: string[]) =>
    runTurn(
      { sessionId: "s1", messages: [{ role: "user", content: "hi" }] },
      { onToken: (t) => tokens.push(t) },
      new AbortController().signal,
    );

  it("reads token events in order, then done with usage, whether typed by event name or by payload", async () => {
    const sent = serve(200, [
      'event: token\ndata: {"text":"Hel"}\n\n',
      'data: {"type":"token","text":"lo"}\n',
      '\ndata: {"type":"token","text":", world"}\n\nevent: done\ndata: {"usage":{"inputTokens":3,"outputTokens":4}}\n\n',
    ]);
    const tokens: string[] = [];
    assert.deepEqual(await turn(tokens), { kind: "done", usage: { inputTokens: 3, outputTokens: 4 } });
    assert.deepEqual(tokens, ["Hel", "lo", ", world"]);
    const [call] = sent;
    assert.equal(call?.path, "/intake/stream");
    assert.equal((call?.init.headers as Record<string, string>).authorization, "Bearer id-token");
    assert.deepEqual(JSON.parse(call?.init.body as string), {
      context: {},
      sessionId: "s1",
      messages: [{ role: "user", content: "hi" }],
    });
  });

  it("says why a turn stopped: a budget error mid-stream, no LLM runner, a cut stream", async () => {
    serve(200, [
      'data: {"type":"token","text":"a"}\n\ndata: {"type":"error","message":"Over budget.","reason":"budget"}\n\n',
    ]);
    const tokens: string[] = [];
    const budget = await turn(tokens);
    assert.equal(budget.kind, "error");
    assert.equal(budget.kind === "error" && budget.reason, "budget");
    assert.deepEqual(tokens, ["a"]);

    serve(503, ['{"error":"NO_LLM","message":"No runner with llm is online.","reason":"no-llm"}'], "application/json");
    const none = await turn([]);
    assert.equal(none.kind === "error" && none.reason, "no-llm");
    assert.match(none.kind === "error" ? none.message : "", /No runner with an LLM is online/);

    serve(200, ['data: {"type":"token","text":"a"}\n\n']);
    const cut = await turn([]);
    assert.equal(cut.kind === "error" && cut.reason, null);
  });
});
