/**
 * Proposal review (seed 002): changes runners propose to the team's intelligence files. A member
 * reads the change and approves it (applied as the file's next version) or rejects it, with a note.
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import type { ProposalView } from "../apiTypes";
import { useAction, useResource } from "../hooks";
import { Empty, ErrorNote, Link, Loading, Section, StatusBadge, When } from "../ui";

const FILTERS = ["pending", "approved", "rejected"] as const;

export function ProposalsPage() {
  const [status, setStatus] = useState<(typeof FILTERS)[number]>("pending");
  const list = useResource(() => api<{ proposals: ProposalView[] }>("GET", `/proposals?status=${status}`), [status]);
  return (
    <>
      <h1>Proposals</h1>
      <p class="muted">Changes your runners propose to the team's intelligence files.</p>
      <label>
        Show{" "}
        <select value={status} onChange={(e) => setStatus(e.currentTarget.value as (typeof FILTERS)[number])}>
          {FILTERS.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </label>
      <ErrorNote error={list.error} onRetry={list.reload} />
      {list.data === undefined ? (
        list.error === null && <Loading what="proposals" />
      ) : list.data.proposals.length === 0 ? (
        <Empty title={`No ${status} proposals.`} />
      ) : (
        list.data.proposals.map((p) => <Proposal key={p.proposalId} summary={p} onDecided={list.reload} />)
      )}
    </>
  );
}

function Proposal({ summary, onDecided }: { summary: ProposalView; onDecided: () => void }) {
  const path = `/proposals/${encodeURIComponent(summary.proposalId)}`;
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState("");
  const full = useResource(() => (open ? api<ProposalView>("GET", path) : Promise.resolve(null)), [path, open]);
  const decide = useAction(async (decision: "approve" | "reject") => {
    await api("POST", `${path}/${decision}`, note.trim() === "" ? {} : { note: note.trim() });
    onDecided();
  });
  const change = full.data?.change === "patch" ? full.data.patch : full.data?.content;
  return (
    <Section title={`${summary.layer}: ${summary.path}`}>
      <p>
        <StatusBadge status={summary.status} /> {summary.change === "patch" ? "a patch" : "new content"} from{" "}
        <Link to={`/jobs/${encodeURIComponent(summary.sourceJobId)}`}>job {summary.sourceJobId}</Link> ·{" "}
        <When iso={summary.createdAt} />
      </p>
      <p class="prewrap">{summary.rationale}</p>
      {summary.decidedBy !== null && (
        <p class="muted small">
          {summary.status} by {summary.decidedBy} <When iso={summary.decidedAt} />
          {summary.note !== null && `: ${summary.note}`}
          {summary.appliedVersion !== null && ` (version ${summary.appliedVersion})`}
        </p>
      )}
      <button type="button" class="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? "Hide the change" : "Show the change"}
      </button>
      {open && (
        <>
          <ErrorNote error={full.error} onRetry={full.reload} />
          {change !== undefined && change !== null && (
            <pre class="json" aria-label="Proposed change">
              {change}
            </pre>
          )}
        </>
      )}
      {summary.status === "pending" && (
        <form
          class="stack-form"
          aria-label={`Decide ${summary.path}`}
          onSubmit={(e) => {
            e.preventDefault();
          }}
        >
          <label>
            Note (optional)
            <input maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </label>
          <ErrorNote error={decide.error} />
          <div class="actions">
            <button type="button" disabled={decide.busy} onClick={() => void decide.run("approve")}>
              Approve and apply
            </button>
            <button type="button" class="secondary" disabled={decide.busy} onClick={() => void decide.run("reject")}>
              Reject
            </button>
          </div>
        </form>
      )}
    </Section>
  );
}
