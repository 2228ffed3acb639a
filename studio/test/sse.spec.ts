import assert from "node:assert/strict";
import { SseParser } from "../src/sse";

describe("studio SSE parser", () => {
  it("parses events split across chunks anywhere, with ids, names and retry", () => {
    const stream =
      'retry: 1000\n\nid: 1\nevent: log\ndata: {"seq":1}\n\n: keepalive\n\nevent: status\ndata: {"status":"RUNNING"}\n\n';
    for (let cut = 0; cut <= stream.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut))];
      assert.deepEqual(
        events,
        [
          { event: "log", data: '{"seq":1}', id: "1" },
          { event: "status", data: '{"status":"RUNNING"}' },
        ],
        `cut at ${cut}`,
      );
      assert.equal(parser.retryMs, 1000);
    }
  });

  it("handles CRLF and CR line ends, joins data lines and defaults the event name", () => {
    const parser = new SseParser();
    const events = parser.push("data: a\r\ndata:b\r\n\r\ndata: c\r");
    assert.deepEqual(events, [{ event: "message", data: "a\nb" }]);
    assert.deepEqual(parser.push("\r\n"), [{ event: "message", data: "c" }]);
  });

  it("ignores events without data, comments and unknown fields", () => {
    const parser = new SseParser();
    assert.deepEqual(parser.push("event: end\n\n: hi\nfoo: bar\n\n"), []);
  });
});
