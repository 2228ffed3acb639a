/** One workspace: its conversation, the reply's deliverables in place, messages and generations. */
import { useMemo, useState } from "preact/hooks";
import { api } from "../api";
import type { WorkspaceJob, WorkspaceMessage, WorkspaceView } from "../apiTypes";
import { Deliverable } from "../deliverables/Deliverable";
import { markdownToSafeHtml } from "../deliverables/markdown";
import { layoutReply } from "../deliverables/placeholders";
import { useAction, useResource, useTick } from "../hooks";
import { ErrorNote, Link, Loading, Section, StatusBadge, When } from "../ui";

/** While a generation is queued or running, the view refreshes this often. */
export const WORKSPACE_POLL_MS = 2_000;
const ACTIVE = new Set(["PENDING", "LEASED", "RUNNING", "PAUSED"]);

function Markdown({ text }: { text: string }) {
  const html = useMemo(() => markdownToSafeHtml(text), [text]);
  // markdownToSafeHtml sanitises with DOMPurify before anything reaches the DOM.
  return <div class="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}

function AssistantReply({ message, workspaceId }: { message: WorkspaceMessage; workspaceId: string }) {
  const segments = useMemo(() => layoutReply(message.text, message.deliverables), [message]);
  return (
    <div class="reply">
      {segments.map((segment, i) => {
        switch (segment.type) {
          case "text":
            return <Markdown key={i} text={segment.text} />;
          case "deliverable":
            return (
              <Deliverable
                key={`${i}-${segment.deliverable.deliverableId}`}
                deliverable={segment.deliverable}
                workspaceId={workspaceId}
              />
            );
          case "missing":
            return (
              <p key={i} class="note">
                The reply refers to a {segment.kind} “{segment.id}” that it did not include.
              </p>
            );
        }
      })}
    </div>
  );
}

function Message({ message, workspaceId }: { message: WorkspaceMessage; workspaceId: string }) {
  return (
    <li class={`message message-${message.role}`} data-role={message.role}>
      <div class="message-meta">
        <strong>{message.role === "user" ? "You" : "Assistant"}</strong>
        {message.subtitle !== null && message.subtitle !== undefined && (
          <span class="muted"> · {message.subtitle}</span>
        )}
        <span class="muted small">
          {" "}
          · <When iso={message.createdAt} />
        </span>
      </div>
      {message.role === "assistant" ? (
        <AssistantReply message={message} workspaceId={workspaceId} />
      ) : (
        <p class="user-text">{message.text}</p>
      )}
    </li>
  );
}

const JOB_WORDS: Record<string, string> = {
  PENDING: "Waiting for a runner to pick it up.",
  LEASED: "A runner has it.",
  RUNNING: "A runner is working on it.",
  PAUSED: "Paused.",
  SUCCEEDED: "Done.",
  FAILED: "Failed.",
  CANCELLED: "Cancelled.",
};

function JobStatusBar({ job }: { job: WorkspaceJob }) {
  return (
    <div class={`job-bar job-${job.status.toLowerCase()}`} role="status" data-job-status={job.status}>
      <StatusBadge status={job.status} />
      <span>
        Generation for <strong>{job.target}</strong> runners: {JOB_WORDS[job.status] ?? job.status}
      </span>
      <span class="muted small">
        attempt {job.attempts + 1}
        {job.leaseHolder !== null && (
          <>
            {" "}
            · held by <span class="mono">{job.leaseHolder}</span>
          </>
        )}
        {" · queued "}
        <When iso={job.createdAt} />
      </span>
      {job.error !== null && <span class="error-text">{job.error}</span>}
    </div>
  );
}

export function WorkspacePage({ workspaceId }: { workspaceId: string }) {
  const [active, setActive] = useState(false);
  const view = useResource(
    async () => {
      const v = await api<WorkspaceView>("GET", `/api/workspaces/${encodeURIComponent(workspaceId)}`);
      setActive(v.job !== null && ACTIVE.has(v.job.status));
      return v;
    },
    [workspaceId],
    active ? WORKSPACE_POLL_MS : null,
  );
  useTick(10_000);
  const [text, setText] = useState("");
  const [target, setTarget] = useState<"user" | "global">("user");
  const send = useAction(async () => {
    await api("POST", `/api/workspaces/${encodeURIComponent(workspaceId)}/messages`, { text: text.trim() });
    setText("");
    view.reload();
  });
  const generate = useAction(async () => {
    await api("POST", `/api/workspaces/${encodeURIComponent(workspaceId)}/generate`, { target });
    setActive(true);
    view.reload();
  });
  const data = view.data;
  if (data === undefined) {
    return (
      <>
        <p>
          <Link to="/workspaces">← Workspaces</Link>
        </p>
        {view.error === null ? (
          <Loading what="the workspace" />
        ) : (
          <ErrorNote error={view.error} onRetry={view.reload} />
        )}
      </>
    );
  }
  const { workspace, messages, job } = data;
  const jobActive = job !== null && ACTIVE.has(job.status);
  return (
    <>
      <p>
        <Link to="/workspaces">← Workspaces</Link>
      </p>
      <header class="page-head">
        <h1>{workspace.title}</h1>
      </header>
      {workspace.idea !== null && <p class="muted">{workspace.idea}</p>}
      <ErrorNote error={view.error} onRetry={view.reload} />
      {job !== null && <JobStatusBar job={job} />}
      <Section title="Conversation" id="conversation">
        {messages.length === 0 ? (
          <p class="muted">No messages yet. Say what you need below, then generate a reply.</p>
        ) : (
          <ol class="messages" aria-label="Messages">
            {messages.map((m) => (
              <Message key={m.id} message={m} workspaceId={workspace.id} />
            ))}
          </ol>
        )}
      </Section>
      <Section title="Write" id="composer">
        <form
          class="stack-form"
          aria-label="Post a message"
          onSubmit={(e) => {
            e.preventDefault();
            void send.run();
          }}
        >
          <label>
            Message
            <textarea
              rows={3}
              required
              maxLength={50_000}
              value={text}
              placeholder="What should the assistant do?"
              onInput={(e) => setText(e.currentTarget.value)}
            />
          </label>
          <ErrorNote error={send.error} />
          <div class="actions">
            <button type="submit" class="secondary" disabled={send.busy}>
              {send.busy ? "Posting…" : "Post message"}
            </button>
          </div>
        </form>
        <form
          class="row-form generate"
          aria-label="Generate a reply"
          onSubmit={(e) => {
            e.preventDefault();
            void generate.run();
          }}
        >
          <label class="inline-label">
            Runners
            <select
              aria-label="Target"
              value={target}
              onChange={(e) => setTarget(e.currentTarget.value === "global" ? "global" : "user")}
            >
              <option value="user">my runners (user)</option>
              <option value="global">shared runners (global)</option>
            </select>
          </label>
          <button type="submit" disabled={generate.busy || jobActive}>
            {jobActive ? "Generating…" : "Generate reply"}
          </button>
        </form>
        <ErrorNote error={generate.error} />
      </Section>
    </>
  );
}
