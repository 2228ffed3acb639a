/** Jobs (seed 002): a filterable list, and a form to queue one. */
import { useState } from "preact/hooks";
import { api, ApiFailure } from "../api";
import { JOB_STATUSES, type JobSnapshot, type JobSummary } from "../apiTypes";
import { useAction, useResource } from "../hooks";
import { navigate } from "../router";
import { Empty, ErrorNote, Link, Loading, Section, StatusBadge, When } from "../ui";

/** Jobs fetched per page (the API allows up to 200). */
export const JOBS_PAGE = 50;
const MAX_JOBS_PAGE = 200;
/** The list refreshes this often, so statuses move without a reload. */
export const JOBS_POLL_MS = 5_000;

/** "Active" is a shorthand for every status a job can still leave. */
const FILTERS: { value: string; label: string }[] = [
  { value: "", label: "All statuses" },
  { value: "PENDING,LEASED,RUNNING,PAUSED", label: "Active" },
  ...JOB_STATUSES.map((s) => ({ value: s, label: s })),
];

interface JobsPage {
  jobs: JobSummary[];
  nextCursor: string | null;
}

function query(status: string, type: string, limit: number, cursor?: string): string {
  const params = new URLSearchParams();
  if (status !== "") params.set("status", status);
  if (type !== "") params.set("type", type);
  params.set("limit", String(limit));
  if (cursor !== undefined) params.set("cursor", cursor);
  return `/jobs?${params.toString()}`;
}

function NewJobForm({ onCreated }: { onCreated: (id: string) => void }) {
  const [open, setOpen] = useState(false);
  const [type, setType] = useState("");
  const [workflowPath, setWorkflowPath] = useState("");
  const [params, setParams] = useState("{}");
  const [tags, setTags] = useState("");
  const create = useAction(async () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(params);
    } catch {
      throw new Error('Params must be a JSON object, e.g. {"branch": "main"}.');
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("Params must be a JSON object.");
    const tagList = tags
      .split(",")
      .map((t) => t.trim())
      .filter((t) => t !== "");
    const body: Record<string, unknown> = { type: type.trim(), workflowPath: workflowPath.trim(), params: parsed };
    if (tagList.length > 0) body.tags = tagList;
    const job = await api<JobSnapshot>("POST", "/jobs", body);
    onCreated(job.id);
  });
  if (!open) {
    return (
      <button type="button" onClick={() => setOpen(true)}>
        Queue a job
      </button>
    );
  }
  return (
    <form
      class="stack-form"
      aria-label="Queue a job"
      onSubmit={(e) => {
        e.preventDefault();
        void create.run();
      }}
    >
      <label>
        Type
        <input
          required
          maxLength={100}
          value={type}
          placeholder="e.g. build"
          onInput={(e) => setType(e.currentTarget.value)}
        />
      </label>
      <label>
        Workflow path
        <input
          required
          maxLength={500}
          value={workflowPath}
          placeholder="workflows/build.md"
          onInput={(e) => setWorkflowPath(e.currentTarget.value)}
        />
      </label>
      <label>
        Params (JSON)
        <textarea rows={3} class="mono" value={params} onInput={(e) => setParams(e.currentTarget.value)} />
      </label>
      <label>
        Tags (comma-separated, a runner must carry all of them)
        <input value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
      </label>
      <ErrorNote error={create.error} />
      <div class="actions">
        <button type="submit" disabled={create.busy}>
          {create.busy ? "Queueing…" : "Queue job"}
        </button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function JobsPage() {
  const [status, setStatus] = useState("");
  const [typeInput, setTypeInput] = useState("");
  const [type, setType] = useState("");
  const [extra, setExtra] = useState<{ jobs: JobSummary[]; nextCursor: string | null } | null>(null);
  // The first page polls; pages loaded with "Load more" stay as they were loaded.
  const first = useResource(
    async () => {
      try {
        return await api<JobsPage>("GET", query(status, type, JOBS_PAGE));
      } catch (error) {
        if (error instanceof ApiFailure && error.status === 404 && error.reason === null) return "unavailable" as const;
        throw error;
      }
    },
    [status, type],
    JOBS_POLL_MS,
  );
  const more = useAction(async () => {
    const cursor = extra?.nextCursor ?? (first.data !== "unavailable" ? first.data?.nextCursor : null);
    if (cursor === null || cursor === undefined) return;
    const page = await api<JobsPage>("GET", query(status, type, MAX_JOBS_PAGE, cursor));
    setExtra({ jobs: [...(extra?.jobs ?? []), ...page.jobs], nextCursor: page.nextCursor });
  });
  const resetPaging = () => setExtra(null);
  const data = first.data;
  let body;
  if (data === undefined) body = first.error === null ? <Loading what="jobs" /> : null;
  else if (data === "unavailable") body = <Empty title="The jobs API (seed 002) is not available on this server." />;
  else {
    const seen = new Set(data.jobs.map((j) => j.id));
    const jobs = [...data.jobs, ...(extra?.jobs ?? []).filter((j) => !seen.has(j.id))];
    const nextCursor = extra === null ? data.nextCursor : extra.nextCursor;
    body =
      jobs.length === 0 ? (
        <Empty title={status === "" && type === "" ? "No jobs yet." : "No jobs match these filters."}>
          {status === "" && type === "" && (
            <p>
              Queue one above, or with <code>POST /jobs</code> and a <code>jobs:write</code> key.
            </p>
          )}
        </Empty>
      ) : (
        <>
          <div class="table-scroll">
            <table class="jobs-table">
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Status</th>
                  <th scope="col" title="Leases that expired and sent the job back to the queue">
                    Retries
                  </th>
                  <th scope="col">Created</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {jobs.map((j) => (
                  <tr key={j.id} data-job-id={j.id}>
                    <td>
                      <Link to={`/jobs/${encodeURIComponent(j.id)}`}>{j.type}</Link>
                      <div class="muted mono small">
                        {j.id}
                        {j.childName !== null && ` · child ${j.childName}`}
                      </div>
                    </td>
                    <td>
                      <StatusBadge status={j.status} />
                    </td>
                    <td>{j.attempts}</td>
                    <td>
                      <When iso={j.createdAt} />
                    </td>
                    <td>
                      <When iso={j.updatedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {nextCursor !== null && (
            <button type="button" class="secondary" disabled={more.busy} onClick={() => void more.run()}>
              {more.busy ? "Loading…" : "Load more"}
            </button>
          )}
          <ErrorNote error={more.error} />
        </>
      );
  }
  return (
    <>
      <h1>Jobs</h1>
      <Section
        title="Your jobs"
        actions={<NewJobForm onCreated={(id) => navigate(`/jobs/${encodeURIComponent(id)}`)} />}
      >
        <form
          class="row-form filters"
          aria-label="Filter jobs"
          onSubmit={(e) => {
            e.preventDefault();
            resetPaging();
            setType(typeInput.trim());
          }}
        >
          <select
            aria-label="Filter by status"
            value={status}
            onChange={(e) => {
              resetPaging();
              setStatus(e.currentTarget.value);
            }}
          >
            {FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
          <input
            aria-label="Filter by type"
            placeholder="Type (exact)"
            value={typeInput}
            onInput={(e) => setTypeInput(e.currentTarget.value)}
          />
          <button type="submit" class="secondary">
            Filter
          </button>
        </form>
        <ErrorNote error={first.error} onRetry={first.reload} />
        {body}
      </Section>
    </>
  );
}
