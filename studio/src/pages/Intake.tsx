/**
 * New run: seed 002's plan-mode chat. Each turn goes to an online runner of the team that has an
 * LLM (the control plane holds no model keys); its answer streams in as it is written. Text is
 * rendered as text, never as markup.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { newSessionId, runTurn, type ChatMessage, type TurnUsage } from "../intake";
import { ErrorNote } from "../ui";

export function IntakePage() {
  const [sessionId, setSessionId] = useState(newSessionId);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [draft, setDraft] = useState("");
  const [answer, setAnswer] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [usage, setUsage] = useState<TurnUsage | null>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const send = async (e: Event) => {
    e.preventDefault();
    const text = draft.trim();
    if (text === "" || answer !== null) return;
    const asked: ChatMessage[] = [...messages, { role: "user", content: text }];
    setMessages(asked);
    setDraft("");
    setError(null);
    setAnswer("");
    const controller = new AbortController();
    abort.current = controller;
    let written = "";
    try {
      const end = await runTurn(
        { sessionId, messages: asked },
        {
          onToken: (t) => {
            written += t;
            setAnswer(written);
          },
        },
        controller.signal,
      );
      if (end.kind === "done") {
        setMessages([...asked, { role: "assistant", content: written }]);
        setUsage(end.usage);
      } else {
        if (written !== "") setMessages([...asked, { role: "assistant", content: written }]);
        setError(end.message);
      }
    } catch (failure) {
      if (!controller.signal.aborted) setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setAnswer(null);
    }
  };

  const restart = () => {
    abort.current?.abort();
    setSessionId(newSessionId());
    setMessages([]);
    setAnswer(null);
    setError(null);
    setUsage(null);
  };

  return (
    <>
      <h1>New run</h1>
      <p class="muted">
        Shape a brief with your team's planning model. A runner of this team with an LLM answers; the control plane
        never sees its keys.
      </p>
      <div class="chat" aria-live="polite" data-chat>
        {messages.map((m, i) => (
          <div key={i} class={`chat-message chat-${m.role}`} data-role={m.role}>
            <span class="chat-who">{m.role === "user" ? "You" : "Planner"}</span>
            <p class="prewrap">{m.content}</p>
          </div>
        ))}
        {answer !== null && (
          <div class="chat-message chat-assistant" data-role="assistant" data-streaming>
            <span class="chat-who">Planner</span>
            <p class="prewrap">{answer === "" ? "…" : answer}</p>
          </div>
        )}
      </div>
      <ErrorNote error={error} />
      <form onSubmit={(e) => void send(e)} class="chat-form">
        <label>
          Message
          <textarea
            name="message"
            rows={3}
            maxLength={20_000}
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
            disabled={answer !== null}
          />
        </label>
        <button type="submit" disabled={answer !== null || draft.trim() === ""}>
          Send
        </button>{" "}
        <button type="button" class="secondary" onClick={restart}>
          New conversation
        </button>
      </form>
      {usage !== null && (
        <p class="muted" data-usage>
          Last turn: {usage.inputTokens ?? "?"} tokens in, {usage.outputTokens ?? "?"} out.
        </p>
      )}
    </>
  );
}
