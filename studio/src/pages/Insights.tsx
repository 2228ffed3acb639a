/**
 * A job's insights (seed 002): what its runner noticed, per phase. Members edit the summary,
 * approve or reject (who and when is kept), and delete; viewers read.
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import type { InsightView } from "../apiTypes";
import { useAction, useResource } from "../hooks";
import { ConfirmButton, Empty, ErrorNote, Loading, Section, StatusBadge, When } from "../ui";

export function Insights({ jobId }: { jobId: string }) {
  const base = `/jobs/${encodeURIComponent(jobId)}/insights`;
  const list = useResource(() => api<{ insights: InsightView[] }>("GET", base), [base]);
  const decide = useAction(async (id: string, decision: "approve" | "reject") => {
    await api("POST", `${base}/${encodeURIComponent(id)}/${decision}`);
    list.reload();
  });
  const remove = useAction(async (id: string) => {
    await api("DELETE", `${base}/${encodeURIComponent(id)}`);
    list.reload();
  });
  return (
    <Section title="Insights" id="job-insights">
      <ErrorNote error={list.error ?? decide.error ?? remove.error} onRetry={list.reload} />
      {list.data === undefined ? (
        list.error === null && <Loading what="insights" />
      ) : list.data.insights.length === 0 ? (
        <Empty title="No insights on this job." />
      ) : (
        <ul class="cards" aria-label="Insights">
          {list.data.insights.map((i) => (
            <li key={i.insightId} class="card" aria-label={`Insight: ${i.summary}`}>
              <div class="card-head">
                <strong>{i.summary}</strong>
                <StatusBadge status={i.status} />
                <span class="muted small">
                  {i.phase} · {i.category} · <When iso={i.createdAt} />
                </span>
              </div>
              <p class="prewrap">{i.detail}</p>
              {i.suggestion !== null && (
                <p class="prewrap">
                  <em>Suggestion:</em> {i.suggestion}
                </p>
              )}
              {i.decidedBy !== null && (
                <p class="muted small">
                  {i.status} by {i.decidedBy} <When iso={i.decidedAt} />
                </p>
              )}
              <EditSummary insight={i} path={`${base}/${encodeURIComponent(i.insightId)}`} onSaved={list.reload} />
              <div class="actions">
                {i.status !== "approved" && (
                  <button type="button" disabled={decide.busy} onClick={() => void decide.run(i.insightId, "approve")}>
                    Approve
                  </button>
                )}
                {i.status !== "rejected" && (
                  <button
                    type="button"
                    class="secondary"
                    disabled={decide.busy}
                    onClick={() => void decide.run(i.insightId, "reject")}
                  >
                    Reject
                  </button>
                )}
                <ConfirmButton
                  label="Delete"
                  confirmLabel="Really delete"
                  busy={remove.busy}
                  onConfirm={() => void remove.run(i.insightId)}
                />
              </div>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function EditSummary({ insight, path, onSaved }: { insight: InsightView; path: string; onSaved: () => void }) {
  const [editing, setEditing] = useState(false);
  const [summary, setSummary] = useState(insight.summary);
  const save = useAction(async () => {
    await api("PATCH", path, { summary: summary.trim() });
    setEditing(false);
    onSaved();
  });
  if (!editing)
    return (
      <button type="button" class="secondary" onClick={() => setEditing(true)}>
        Edit summary
      </button>
    );
  return (
    <form
      class="stack-form"
      aria-label="Edit summary"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <label>
        Summary
        <input required maxLength={500} value={summary} onInput={(e) => setSummary(e.currentTarget.value)} />
      </label>
      <ErrorNote error={save.error} />
      <div class="actions">
        <button type="submit" disabled={save.busy}>
          Save
        </button>
        <button type="button" class="secondary" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
