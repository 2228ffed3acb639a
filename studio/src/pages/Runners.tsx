/** Runners: registered runners (seed 004, live), runner instance keys (seed 001) and API keys. */
import { useState } from "preact/hooks";
import { api, ApiFailure } from "../api";
import {
  SCOPES,
  type ApiKey,
  type CreatedInstance,
  type CreatedKey,
  type FleetRunner,
  type RunnerInstance,
  type Scope,
} from "../apiTypes";
import { useAction, useResource, useTick } from "../hooks";
import { ConfirmButton, CopyButton, Empty, ErrorNote, Loading, SecretReveal, Section, StatusBadge, When } from "../ui";

/** Registered runners are polled this often, so status and heartbeats read live. */
export const RUNNER_POLL_MS = 3_000;

/** Seed 004 wraps its answers in `data`. */
async function listFleet(): Promise<FleetRunner[] | "unavailable"> {
  try {
    return (await api<{ data: FleetRunner[] }>("GET", "/api/runners")).data;
  } catch (error) {
    // Hosting answers its own 404 page (no envelope) while the fleet routes are not deployed.
    if (error instanceof ApiFailure && error.status === 404 && error.reason === null) return "unavailable";
    throw error;
  }
}

function RegisteredRunners() {
  const fleet = useResource(listFleet, [], RUNNER_POLL_MS);
  useTick(1_000);
  let body;
  if (fleet.data === undefined) {
    body = fleet.error === null ? <Loading what="runners" /> : null;
  } else if (fleet.data === "unavailable") {
    body = (
      <Empty title="The fleet API (seed 004) is not available on this server.">
        Registered runners will show here once it is deployed.
      </Empty>
    );
  } else if (fleet.data.length === 0) {
    body = (
      <Empty title="No runners have registered yet.">
        <p>
          Create an API key with the <code>runners:write</code> scope below, then start a runner with it: it calls{" "}
          <code>POST /api/runners/register</code> and appears here within a few seconds.
        </p>
      </Empty>
    );
  } else {
    body = (
      <ul class="cards" aria-label="Registered runners">
        {fleet.data.map((r) => (
          <li key={r.id} class="card runner-card" data-runner-id={r.id} data-status={r.status}>
            <div class="card-head">
              <strong class="runner-name">{r.name}</strong>
              <StatusBadge status={r.status} />
            </div>
            <p class="muted mono small">
              {r.id} · v{r.version}
              {r.os !== undefined && r.os !== "unknown" ? ` · ${r.os}` : ""}
              {r.arch !== undefined && r.arch !== "unknown" ? `/${r.arch}` : ""}
            </p>
            <dl class="facts">
              <div>
                <dt>Last heartbeat</dt>
                <dd class="heartbeat">
                  <When iso={r.lastHeartbeatAt} />
                </dd>
              </div>
              <div>
                <dt>Current jobs</dt>
                <dd class="current-jobs">
                  {r.heldJobs ?? r.currentJobs} / {r.maxConcurrency}
                  {r.heldJobs !== undefined && r.heldJobs !== r.currentJobs && (
                    <span class="muted"> (reports {r.currentJobs})</span>
                  )}
                </dd>
              </div>
            </dl>
            <div class="labels" aria-label="Labels">
              {r.tags.length === 0 ? (
                <span class="muted small">no labels</span>
              ) : (
                r.tags.map((t) => (
                  <span key={t} class="chip">
                    {t}
                  </span>
                ))
              )}
            </div>
          </li>
        ))}
      </ul>
    );
  }
  return (
    <Section
      title="Registered runners"
      id="registered-runners"
      actions={<span class="muted small live-note">Live · refreshes every {RUNNER_POLL_MS / 1000} s</span>}
    >
      <ErrorNote error={fleet.error} onRetry={fleet.reload} />
      {body}
    </Section>
  );
}

function InstanceRow({ instance, onChanged }: { instance: RunnerInstance; onChanged: () => void }) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(instance.name);
  const rename = useAction(async () => {
    await api("POST", "/updateRunnerInstance", { instanceId: instance.instanceId, name: name.trim() });
    setRenaming(false);
    onChanged();
  });
  const revoke = useAction(async () => {
    await api("POST", "/revokeRunnerInstance", { instanceId: instance.instanceId });
    onChanged();
  });
  const revoked = instance.revokedAt !== null;
  return (
    <li class={`card instance-card${revoked ? " revoked" : ""}`} data-instance-id={instance.instanceId}>
      <div class="card-head">
        {renaming ? (
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              void rename.run();
            }}
          >
            <input
              aria-label="New name"
              value={name}
              maxLength={100}
              required
              onInput={(e) => setName(e.currentTarget.value)}
            />
            <button type="submit" disabled={rename.busy}>
              Save
            </button>
            <button type="button" class="secondary" onClick={() => setRenaming(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <strong class="instance-name">{instance.name}</strong>
        )}
        <span class="chip">{instance.pool ?? "user"}</span>
        {revoked ? <span class="badge status-revoked">revoked</span> : <span class="badge status-active">active</span>}
      </div>
      <p class="muted mono small">{instance.instanceId}</p>
      <dl class="facts">
        <div>
          <dt>Created</dt>
          <dd>
            <When iso={instance.createdAt} />
          </dd>
        </div>
        <div>
          <dt>Last used</dt>
          <dd>
            <When iso={instance.lastUsedAt} />
          </dd>
        </div>
        {revoked && (
          <div>
            <dt>Revoked</dt>
            <dd>
              <When iso={instance.revokedAt} />
            </dd>
          </div>
        )}
      </dl>
      <ErrorNote error={rename.error ?? revoke.error} />
      {!revoked && !renaming && (
        <div class="actions">
          <button type="button" class="secondary" onClick={() => setRenaming(true)}>
            Rename
          </button>
          <ConfirmButton
            label="Revoke"
            confirmLabel="Revoke this key"
            busy={revoke.busy}
            onConfirm={() => void revoke.run()}
          />
        </div>
      )}
    </li>
  );
}

function RunnerInstances() {
  const list = useResource(() => api<{ instances: RunnerInstance[] }>("GET", "/api/runner-instances"), []);
  const [name, setName] = useState("");
  const [pool, setPool] = useState<"user" | "global">("user");
  const [created, setCreated] = useState<CreatedInstance | null>(null);
  const create = useAction(async () => {
    const trimmed = name.trim();
    const made = await api<CreatedInstance>(
      "POST",
      "/createRunnerInstance",
      trimmed === "" ? { kind: pool } : { kind: pool, name: trimmed },
    );
    setCreated(made);
    setName("");
    list.reload();
  });
  const instances = list.data?.instances;
  return (
    <Section title="Runner instance keys" id="runner-instances">
      <p class="muted">
        A workspace runner (seed 001) authenticates with one of these. <em>User</em> keys run your own workspaces' jobs;{" "}
        <em>global</em> keys (admins only) run jobs queued for everyone.
      </p>
      <form
        class="row-form"
        aria-label="Create a runner key"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <input
          aria-label="Runner name"
          placeholder="Name (e.g. laptop)"
          maxLength={100}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <select
          aria-label="Pool"
          value={pool}
          onChange={(e) => setPool(e.currentTarget.value === "global" ? "global" : "user")}
        >
          <option value="user">user</option>
          <option value="global">global (admin)</option>
        </select>
        <button type="submit" disabled={create.busy}>
          {create.busy ? "Creating…" : "Create runner key"}
        </button>
      </form>
      <ErrorNote error={create.error} />
      {created !== null && (
        <SecretReveal label="runner key" secret={created.runnerToken} onDismiss={() => setCreated(null)}>
          <RegisterCommand flag="--workspace-token" secret={created.runnerToken} />
        </SecretReveal>
      )}
      <ErrorNote error={list.error} onRetry={list.reload} />
      {instances === undefined ? (
        list.error === null && <Loading what="runner keys" />
      ) : instances.length === 0 ? (
        <Empty title="No runner keys yet.">Create one above to connect a workspace runner.</Empty>
      ) : (
        <ul class="cards" aria-label="Runner instance keys">
          {instances.map((i) => (
            <InstanceRow key={i.credentialId} instance={i} onChanged={list.reload} />
          ))}
        </ul>
      )}
    </Section>
  );
}

function ApiKeys() {
  const list = useResource(() => api<{ keys: ApiKey[] }>("GET", "/api/keys"), []);
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Set<Scope>>(new Set(["runners:read", "runners:write"]));
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const create = useAction(async () => {
    if (scopes.size === 0) throw new Error("Pick at least one scope.");
    const made = await api<CreatedKey>("POST", "/api/keys", { name: name.trim(), scopes: [...scopes] });
    setCreated(made);
    setName("");
    list.reload();
  });
  const revoke = useAction(async (keyId: string) => {
    await api("DELETE", `/api/keys/${encodeURIComponent(keyId)}`);
    list.reload();
  });
  const toggle = (scope: Scope) => {
    const next = new Set(scopes);
    if (next.has(scope)) next.delete(scope);
    else next.add(scope);
    setScopes(next);
  };
  const keys = list.data?.keys;
  return (
    <Section title="API keys" id="api-keys">
      <p class="muted">
        Scoped keys for fleet runners (seed 004: <code>runners:write</code>), jobs-API runners and scripts (
        <code>jobs:read</code>, <code>jobs:write</code>) and dashboards (<code>runners:read</code>).
      </p>
      <form
        class="row-form"
        aria-label="Create an API key"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run();
        }}
      >
        <input
          aria-label="Key name"
          placeholder="Name (e.g. build box)"
          required
          maxLength={100}
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <fieldset class="scopes">
          <legend class="sr-only">Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s} class="check">
              <input type="checkbox" checked={scopes.has(s)} onChange={() => toggle(s)} /> {s}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={create.busy}>
          {create.busy ? "Creating…" : "Create API key"}
        </button>
      </form>
      <ErrorNote error={create.error} />
      {created !== null && (
        <SecretReveal label="API key" secret={created.key} onDismiss={() => setCreated(null)}>
          {created.scopes.includes("runners:write") && <RegisterCommand flag="--token" secret={created.key} />}
        </SecretReveal>
      )}
      <ErrorNote error={list.error ?? revoke.error} onRetry={list.reload} />
      {keys === undefined ? (
        list.error === null && <Loading what="API keys" />
      ) : keys.length === 0 ? (
        <Empty title="No API keys yet." />
      ) : (
        <ul class="cards" aria-label="API keys">
          {keys.map((k) => (
            <li
              key={k.credentialId}
              class={`card key-card${k.revokedAt !== null ? " revoked" : ""}`}
              data-key-id={k.credentialId}
            >
              <div class="card-head">
                <strong>{k.name}</strong>
                {k.revokedAt !== null ? (
                  <span class="badge status-revoked">revoked</span>
                ) : (
                  <span class="badge status-active">active</span>
                )}
              </div>
              <p class="muted mono small">{k.credentialId}</p>
              <div class="labels">
                {(k.scopes ?? []).map((s) => (
                  <span key={s} class="chip">
                    {s}
                  </span>
                ))}
              </div>
              <dl class="facts">
                <div>
                  <dt>Created</dt>
                  <dd>
                    <When iso={k.createdAt} />
                  </dd>
                </div>
                <div>
                  <dt>Last used</dt>
                  <dd>
                    <When iso={k.lastUsedAt} />
                  </dd>
                </div>
              </dl>
              {k.revokedAt === null && (
                <div class="actions">
                  <ConfirmButton
                    label="Revoke"
                    confirmLabel="Revoke this key"
                    busy={revoke.busy}
                    onConfirm={() => void revoke.run(k.credentialId)}
                  />
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

export function RunnersPage() {
  return (
    <>
      <h1>Runners</h1>
      <RegisteredRunners />
      <RunnerInstances />
      <ApiKeys />
    </>
  );
}

/**
 * The exact command that registers a runner with a new key (docs/runner.md): it checks the key
 * and writes the runner's config file, mode 600.
 */
function RegisterCommand({ flag, secret }: { flag: "--token" | "--workspace-token"; secret: string }) {
  const command = `npx runnerplane-runner register --api ${location.origin} ${flag} ${secret}`;
  return (
    <div class="register-command">
      <p class="small">Register a runner with it, on the machine that will run jobs:</p>
      <div class="secret-row">
        <input
          class="secret-value mono"
          readOnly
          value={command}
          aria-label="Register command"
          onFocus={(e) => e.currentTarget.select()}
        />
        <CopyButton text={command} label="Copy command" />
      </div>
      <p class="small muted">
        Then <code class="mono">runnerplane-runner run</code>, or{" "}
        <code class="mono">runnerplane-runner service install</code> to keep it running.
      </p>
    </div>
  );
}
