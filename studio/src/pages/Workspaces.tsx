/** Workspaces (seed 001's Studio side): the list, and a form to start one. */
import { useState } from "preact/hooks";
import { api } from "../api";
import type { WorkspaceSummary, WorkspaceView } from "../apiTypes";
import { useAction, useResource } from "../hooks";
import { navigate } from "../router";
import { Empty, ErrorNote, Link, Loading, Section, StatusBadge, When } from "../ui";

export function WorkspacesPage() {
  const list = useResource(() => api<{ workspaces: WorkspaceSummary[] }>("GET", "/api/workspaces"), []);
  const [title, setTitle] = useState("");
  const [idea, setIdea] = useState("");
  const create = useAction(async () => {
    const body: Record<string, string> = { title: title.trim() };
    if (idea.trim() !== "") body.idea = idea.trim();
    const view = await api<WorkspaceView>("POST", "/api/workspaces", body);
    navigate(`/workspaces/${encodeURIComponent(view.workspace.id)}`);
  });
  const workspaces = list.data?.workspaces;
  return (
    <>
      <h1>Workspaces</h1>
      <Section title="New workspace">
        <form
          class="stack-form"
          aria-label="Create a workspace"
          onSubmit={(e) => {
            e.preventDefault();
            void create.run();
          }}
        >
          <label>
            Title
            <input
              required
              maxLength={200}
              value={title}
              placeholder="e.g. Launch plan"
              onInput={(e) => setTitle(e.currentTarget.value)}
            />
          </label>
          <label>
            Idea (optional)
            <textarea
              rows={2}
              maxLength={20_000}
              value={idea}
              placeholder="What is it about?"
              onInput={(e) => setIdea(e.currentTarget.value)}
            />
          </label>
          <ErrorNote error={create.error} />
          <div class="actions">
            <button type="submit" disabled={create.busy}>
              {create.busy ? "Creating…" : "Create workspace"}
            </button>
          </div>
        </form>
      </Section>
      <Section title="Your workspaces">
        <ErrorNote error={list.error} onRetry={list.reload} />
        {workspaces === undefined ? (
          list.error === null && <Loading what="workspaces" />
        ) : workspaces.length === 0 ? (
          <Empty title="No workspaces yet.">
            Create one above, write what you need, and queue a generation for a runner.
          </Empty>
        ) : (
          <ul class="cards" aria-label="Workspaces">
            {workspaces.map((w) => (
              <li key={w.id} class="card">
                <div class="card-head">
                  <Link to={`/workspaces/${encodeURIComponent(w.id)}`}>{w.title}</Link>
                  {w.lastJobStatus !== null && <StatusBadge status={w.lastJobStatus} />}
                </div>
                {w.idea !== null && <p class="muted small clamp">{w.idea}</p>}
                <p class="muted small">
                  {w.messageCount} {w.messageCount === 1 ? "message" : "messages"} · updated <When iso={w.updatedAt} />
                </p>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </>
  );
}
