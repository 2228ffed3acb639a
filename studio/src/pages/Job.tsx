/** One job (seed 002): status, attempts, lease holder, live log, artifacts, and its controls. */
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, download } from "../api";
import { FINAL_STATUSES, type JobSnapshot, type JobStatus } from "../apiTypes";
import { bytes, dateTime } from "../format";
import { useAction, useResource, useTick } from "../hooks";
import { followJob, type LogLine, type StreamState } from "../jobStream";
import { Empty, ErrorNote, Link, Loading, Section, StatusBadge, When } from "../ui";
import { Insights } from "./Insights";

/** The snapshot (attempts, lease, artifacts) refreshes this often while the job can change. */
export const JOB_POLL_MS = 3_000;
/** Lines kept on screen; older ones are dropped from the view (the job keeps them all). */
export const MAX_SHOWN_LOG_LINES = 5_000;

function isFinal(status: string | undefined): boolean {
  return status !== undefined && (FINAL_STATUSES as readonly string[]).includes(status);
}

const STREAM_WORDS: Record<StreamState, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  ended: "Ended",
  failed: "Stopped",
};

function LiveLog({ jobId, onStatus }: { jobId: string; onStatus: (status: string) => void }) {
  const linesRef = useRef<LogLine[]>([]);
  const [dropped, setDropped] = useState(0);
  const [, setVersion] = useState(0);
  const [state, setState] = useState<{ state: StreamState; detail?: string }>({ state: "connecting" });
  const box = useRef<HTMLPreElement>(null);
  const stick = useRef(true);
  const onStatusRef = useRef(onStatus);
  onStatusRef.current = onStatus;
  useEffect(() => {
    linesRef.current = [];
    setDropped(0);
    const controller = new AbortController();
    let scheduled = false;
    // Lines arrive in bursts: render once per frame, not once per line.
    const flush = () => {
      scheduled = false;
      setVersion((v) => v + 1);
    };
    void followJob(
      jobId,
      {
        onLine: (line) => {
          const lines = linesRef.current;
          lines.push(line);
          if (lines.length > MAX_SHOWN_LOG_LINES) {
            const extra = lines.length - MAX_SHOWN_LOG_LINES;
            lines.splice(0, extra);
            setDropped((d) => d + extra);
          }
          if (!scheduled) {
            scheduled = true;
            requestAnimationFrame(flush);
          }
        },
        onStatus: (s) => onStatusRef.current(s.status),
        onState: (s, detail) => setState({ state: s, detail }),
      },
      controller.signal,
    );
    return () => controller.abort();
  }, [jobId]);
  useLayoutEffect(() => {
    const el = box.current;
    if (el !== null && stick.current) el.scrollTop = el.scrollHeight;
  });
  const lines = linesRef.current;
  return (
    <Section
      title="Log"
      id="job-log"
      actions={
        <span class={`stream-state stream-${state.state}`} data-stream-state={state.state}>
          {STREAM_WORDS[state.state]}
        </span>
      }
    >
      {state.detail !== undefined && state.state !== "live" && (
        <p class={state.state === "failed" ? "error" : "muted small"}>{state.detail}</p>
      )}
      {dropped > 0 && <p class="muted small">{dropped} earlier lines are not shown.</p>}
      {lines.length === 0 ? (
        <p class="muted log-empty">
          {state.state === "ended"
            ? "This job wrote no log lines."
            : "No log lines yet. They appear here as the runner sends them."}
        </p>
      ) : (
        <pre
          class="log"
          ref={box}
          aria-live="polite"
          onScroll={(e) => {
            const el = e.currentTarget;
            stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
          }}
        >
          {lines.map((l) => (
            <div key={l.seq} class={`log-line log-${l.stream}`} data-seq={l.seq}>
              <span class="log-seq" aria-hidden="true">
                {l.seq}
              </span>
              {l.line}
            </div>
          ))}
        </pre>
      )}
    </Section>
  );
}

function Controls({ job, onChanged }: { job: JobSnapshot; onChanged: () => void }) {
  const [text, setText] = useState("");
  const [sent, setSent] = useState<string | null>(null);
  const control = useAction(async (action: "cancel" | "pause" | "resume") => {
    await api("POST", `/jobs/${encodeURIComponent(job.id)}/${action}`);
    onChanged();
  });
  const message = useAction(async () => {
    await api("POST", `/jobs/${encodeURIComponent(job.id)}/message`, { text: text.trim() });
    setSent(text.trim());
    setText("");
    onChanged();
  });
  if (isFinal(job.status)) return <p class="muted">This job has ended; it takes no more controls.</p>;
  const paused = job.status === "PAUSED";
  return (
    <>
      <div class="actions">
        {paused ? (
          <button type="button" disabled={control.busy} onClick={() => void control.run("resume")}>
            Resume
          </button>
        ) : (
          <button
            type="button"
            class="secondary"
            disabled={control.busy || job.control?.pauseRequested === true}
            onClick={() => void control.run("pause")}
          >
            {job.control?.pauseRequested === true ? "Pause requested" : "Pause"}
          </button>
        )}
        <button
          type="button"
          class="danger-outline"
          disabled={control.busy || job.control?.cancelRequested === true}
          onClick={() => void control.run("cancel")}
        >
          {job.control?.cancelRequested === true ? "Cancel requested" : "Cancel"}
        </button>
      </div>
      <ErrorNote error={control.error} />
      {(job.control?.pauseRequested === true || job.control?.cancelRequested === true) && (
        <p class="muted small">The runner holding this job learns of it in its next heartbeat.</p>
      )}
      <form
        class="row-form"
        aria-label="Message the runner"
        onSubmit={(e) => {
          e.preventDefault();
          void message.run();
        }}
      >
        <input
          aria-label="Message"
          placeholder="Message to the runner (delivered with its next heartbeat)"
          required
          maxLength={10_000}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <button type="submit" class="secondary" disabled={message.busy}>
          Send
        </button>
      </form>
      <ErrorNote error={message.error} />
      {sent !== null && <p class="muted small">Sent “{sent}”.</p>}
      <p class="muted small">
        Messages: {job.messages.posted} posted, {job.messages.delivered} delivered.
      </p>
    </>
  );
}

export function JobPage({ jobId }: { jobId: string }) {
  const [streamStatus, setStreamStatus] = useState<string | null>(null);
  const [final, setFinal] = useState(false);
  const snapshot = useResource(
    () => api<JobSnapshot>("GET", `/jobs/${encodeURIComponent(jobId)}`),
    [jobId],
    final ? null : JOB_POLL_MS,
  );
  const save = useAction((path: string, name: string) => download(path, name));
  useTick(5_000);
  const job = snapshot.data;
  useEffect(() => {
    if (isFinal(job?.status) && !final) setFinal(true);
    // A fresh snapshot is as new as anything the stream said before it.
    setStreamStatus(null);
  }, [job]);
  const onStreamStatus = (status: string) => {
    setStreamStatus(status);
    // The stream saw the job change: fetch the snapshot now rather than at the next poll.
    if (status !== job?.status) snapshot.reload();
  };
  if (job === undefined) {
    return (
      <>
        <p>
          <Link to="/jobs">← Jobs</Link>
        </p>
        {snapshot.error === null ? (
          <Loading what="the job" />
        ) : (
          <ErrorNote error={snapshot.error} onRetry={snapshot.reload} />
        )}
      </>
    );
  }
  // A status the stream reported after the last snapshot is the newest word on it.
  const status = (streamStatus ?? job.status) as JobStatus;
  return (
    <>
      <p>
        <Link to="/jobs">← Jobs</Link>
      </p>
      <header class="page-head">
        <h1>{job.type}</h1>
        <StatusBadge status={status} />
      </header>
      <p class="muted mono small">{job.id}</p>
      <ErrorNote error={snapshot.error} onRetry={snapshot.reload} />
      {job.error !== null && (
        <div class="error" role="alert">
          The job failed: {job.error}
        </div>
      )}
      <div class="job-grid">
        <Section title="Details" id="job-details">
          <dl class="facts facts-wide">
            <div>
              <dt>Status</dt>
              <dd class="job-status">{status}</dd>
            </div>
            <div>
              <dt>Attempt</dt>
              {/* `attempts` counts expired leases: the run in progress is the next one. */}
              <dd class="job-attempts">
                {Math.min(job.attempts + 1, job.maxAttempts)} of {job.maxAttempts}
                {job.attempts > 0 && (
                  <span class="muted small">
                    {" "}
                    ({job.attempts} {job.attempts === 1 ? "lease" : "leases"} expired)
                  </span>
                )}
              </dd>
            </div>
            <div>
              <dt>Lease holder</dt>
              <dd class="job-lease">
                {job.lease === null ? (
                  <span class="muted">nobody</span>
                ) : (
                  <>
                    <span class="mono">{job.lease.runnerId}</span>
                    <span class="muted small">
                      {" "}
                      · expires <When iso={job.lease.expiresAt} />
                    </span>
                  </>
                )}
              </dd>
            </div>
            <div>
              <dt>Workflow</dt>
              <dd class="mono">{job.workflowPath}</dd>
            </div>
            <div>
              <dt>Tags</dt>
              <dd>
                {job.tags.length === 0 ? (
                  <span class="muted">none</span>
                ) : (
                  job.tags.map((t) => (
                    <span key={t} class="chip">
                      {t}
                    </span>
                  ))
                )}
              </dd>
            </div>
            <div>
              <dt>Priority</dt>
              <dd>{job.priority}</dd>
            </div>
            <div>
              <dt>Created</dt>
              <dd title={dateTime(job.createdAt)}>
                <When iso={job.createdAt} />
              </dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>
                <When iso={job.startedAt} />
              </dd>
            </div>
            <div>
              <dt>Finished</dt>
              <dd>{job.finishedAt === null ? <span class="muted">—</span> : <When iso={job.finishedAt} />}</dd>
            </div>
            {job.parentId !== null && (
              <div>
                <dt>Parent</dt>
                <dd>
                  <Link to={`/jobs/${encodeURIComponent(job.parentId)}`}>{job.parentId}</Link>
                </dd>
              </div>
            )}
          </dl>
        </Section>
        <Section title="Controls" id="job-controls">
          <Controls job={{ ...job, status }} onChanged={snapshot.reload} />
        </Section>
      </div>
      <LiveLog jobId={jobId} onStatus={onStreamStatus} />
      <Section title="Artifacts" id="job-artifacts">
        <ErrorNote error={save.error} />
        {job.artifacts.length === 0 ? (
          <Empty title="No artifacts." />
        ) : (
          <ul class="cards">
            {job.artifacts.map((a) => (
              <li key={a.id} class="card artifact" data-artifact-id={a.id}>
                <div class="card-head">
                  <span class="mono">{a.name}</span>
                  <span class="muted small">
                    {bytes(a.size)} · {a.contentType}
                  </span>
                  <button
                    type="button"
                    class="secondary"
                    disabled={save.busy}
                    onClick={() => void save.run(a.contentUrl, a.name.split("/").pop() ?? "artifact")}
                  >
                    Download
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
      </Section>
      {job.children.length > 0 && (
        <Section title="Children" id="job-children">
          <ul class="cards">
            {job.children.map((c) => (
              <li key={c.name} class="card">
                <div class="card-head">
                  <Link to={`/jobs/${encodeURIComponent(c.jobId)}`}>{c.name}</Link>
                  <StatusBadge status={c.status} />
                  {c.outcome !== null && <span class="muted small">{c.outcome}</span>}
                </div>
              </li>
            ))}
          </ul>
        </Section>
      )}
      <Insights jobId={jobId} />
      <div class="job-grid">
        <Section title="Params">
          <pre class="json">{JSON.stringify(job.params, null, 2)}</pre>
        </Section>
        <Section title="Result">
          {job.result === null ? (
            <p class="muted">No result yet.</p>
          ) : (
            <pre class="json job-result">{JSON.stringify(job.result, null, 2)}</pre>
          )}
        </Section>
      </div>
    </>
  );
}
