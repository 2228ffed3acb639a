import assert from "node:assert/strict";
import { offersOf } from "../config";
import { RunnerApiError } from "../client/http";
import { parsePiece, TokenSender } from "./askWork";

interface Post {
  offset: number;
  chunks: string[];
  outputTokens?: number;
}

/** A token route that answers after `delayMs`, recording each post; `stopAfter` pieces: the budget answer. */
function route(options: { delayMs?: number; stopAfter?: number; failFirst?: RunnerApiError } = {}) {
  const posts: Post[] = [];
  let failed = false;
  return {
    posts,
    client: {
      appendTokens: async (_jobId: string, _token: string, offset: number, chunks: string[], outputTokens?: number) => {
        await new Promise((resolve) => setTimeout(resolve, options.delayMs ?? 5));
        if (options.failFirst !== undefined && !failed) {
          failed = true;
          throw options.failFirst;
        }
        posts.push({ offset, chunks: [...chunks], outputTokens });
        const total = offset + chunks.length;
        return {
          accepted: chunks.length,
          nextOffset: total,
          stop: options.stopAfter !== undefined && total > options.stopAfter,
        };
      },
    },
  };
}

const handlers = (events: string[]) => ({
  onStop: () => events.push("stop"),
  onLeaseLost: () => events.push("lost"),
  onError: () => events.push("error"),
});

describe("llm command output (reference runner)", () => {
  it("reads text, usage and error lines; anything else is text with its newline", () => {
    assert.deepEqual(parsePiece('{"text":"Hel"}'), { text: "Hel" });
    assert.deepEqual(parsePiece('{"usage":{"outputTokens":7,"inputTokens":3}}'), {
      usage: true,
      outputTokens: 7,
      inputTokens: 3,
    });
    assert.deepEqual(parsePiece('{"usage":{"outputTokens":-1}}'), {
      usage: true,
      outputTokens: undefined,
      inputTokens: undefined,
    });
    assert.deepEqual(parsePiece('{"error":"rate limited"}'), { error: "rate limited" });
    assert.deepEqual(parsePiece("plain words"), { text: "plain words\n" });
    assert.deepEqual(parsePiece("{not json"), { text: "{not json\n" });
  });

  it("sends pieces in order with running offsets, one post in flight, and the final count", async () => {
    const { posts, client } = route({ delayMs: 20 });
    const events: string[] = [];
    const sender = new TokenSender(client, "job", "token", handlers(events));
    for (let i = 0; i < 10; i++) sender.line(JSON.stringify({ text: `t${i} ` }));
    sender.line(JSON.stringify({ usage: { outputTokens: 12, inputTokens: 4 } }));
    await sender.close();
    // The first piece went alone at once; the rest gathered behind it.
    assert.deepEqual(posts[0]?.chunks, ["t0 "]);
    assert.deepEqual(
      posts.flatMap((p) => p.chunks),
      Array.from({ length: 10 }, (_, i) => `t${i} `),
    );
    let offset = 0;
    for (const post of posts) {
      assert.equal(post.offset, offset);
      offset += post.chunks.length;
    }
    assert.ok(posts.length < 10, `${posts.length} posts for 10 pieces`);
    assert.equal(posts.at(-1)?.outputTokens, 12, "the final count is sent");
    assert.deepEqual(sender.usage(), { outputTokens: 12, inputTokens: 4 });
    assert.deepEqual(events, []);
  });

  it("stops when the server says the turn passed its budget, and sends nothing more", async () => {
    const { posts, client } = route({ delayMs: 5, stopAfter: 3 });
    const events: string[] = [];
    const sender = new TokenSender(client, "job", "token", handlers(events));
    for (let i = 0; i < 4; i++) {
      sender.line(JSON.stringify({ text: `t${i}` }));
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    sender.line(JSON.stringify({ text: "late" }));
    await sender.close();
    assert.deepEqual(events, ["stop"]);
    assert.ok(!posts.flatMap((p) => p.chunks).includes("late"));
  });

  it("a lost lease stops the turn; a passing failure is retried with the same offset", async () => {
    const lost = route({ failFirst: new RunnerApiError(409, "LEASE_NOT_HELD", "gone") });
    const events: string[] = [];
    const sender = new TokenSender(lost.client, "job", "token", handlers(events));
    sender.line('{"text":"a"}');
    await sender.close();
    assert.deepEqual(events, ["lost"]);
    const flaky = route({ failFirst: new RunnerApiError(0, "NETWORK", "reset") });
    const retried: string[] = [];
    const again = new TokenSender(flaky.client, "job", "token", handlers(retried));
    again.line('{"text":"a"}');
    await again.close();
    assert.deepEqual(flaky.posts, [{ offset: 0, chunks: ["a"], outputTokens: undefined }]);
    assert.deepEqual(retried, ["error"]);
    assert.equal(again.failed, null);
  });
});

describe("what a runner offers", () => {
  it("adds llm with an llm command, plugins and their capabilities with plugins", () => {
    assert.deepEqual(offersOf([], false, {}), { capabilities: [], plugins: [] });
    assert.deepEqual(
      offersOf(["gpu-review"], true, { gh: { capabilities: ["git", "tracker"] }, jira: { capabilities: ["tracker"] } }),
      {
        capabilities: ["git", "gpu-review", "llm", "plugins", "tracker"],
        plugins: ["gh", "jira"],
      },
    );
  });
});
