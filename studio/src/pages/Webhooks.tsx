/**
 * The team's webhooks (seed 002's ingress): admins configure a plugin (its secret shown once);
 * members see each plugin's recent deliveries — verified with their job, or refused and why —
 * and redeliver a verified one.
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import type { TeamSummary, WebhookDelivery, WebhookView } from "../apiTypes";
import { useAction, useResource } from "../hooks";
import { ConfirmButton, CopyButton, Empty, ErrorNote, Link, Loading, SecretReveal, Section, When } from "../ui";

type Scheme = Pick<WebhookView, "algorithm" | "format" | "header" | "deliveryIdHeader">;

/** How the common providers sign; the header stays editable for everything else. */
const PRESETS: Record<string, { label: string; scheme: Scheme }> = {
  github: {
    label: "GitHub (X-Hub-Signature-256)",
    scheme: {
      algorithm: "sha256",
      format: "prefixed",
      header: "x-hub-signature-256",
      deliveryIdHeader: "x-github-delivery",
    },
  },
  gitlab: {
    label: "GitLab (X-Gitlab-Token)",
    scheme: { algorithm: "token", format: "token", header: "x-gitlab-token", deliveryIdHeader: "x-gitlab-event-uuid" },
  },
  bitbucket: {
    label: "Bitbucket (X-Hub-Signature)",
    scheme: { algorithm: "sha256", format: "prefixed", header: "x-hub-signature", deliveryIdHeader: "x-request-uuid" },
  },
  timestamped: {
    label: "Timestamped (t=…,v1=…)",
    scheme: { algorithm: "sha256", format: "timestamped", header: "x-signature", deliveryIdHeader: null },
  },
};

const isAdmin = (team: TeamSummary) => team.role === "admin" || team.role === "owner";

export function Webhooks({ base, team }: { base: string; team: TeamSummary }) {
  const list = useResource(() => api<{ webhooks: WebhookView[] }>("GET", `${base}/webhooks`), [base]);
  const [secret, setSecret] = useState<{ pluginId: string; secret: string } | null>(null);
  const remove = useAction(async (pluginId: string) => {
    await api("DELETE", `${base}/webhooks/${encodeURIComponent(pluginId)}`);
    list.reload();
  });
  const rotate = useAction(async (pluginId: string) => {
    const made = await api<{ secret: string }>("PATCH", `${base}/webhooks/${encodeURIComponent(pluginId)}`, {
      rotateSecret: true,
    });
    setSecret({ pluginId, secret: made.secret });
  });
  return (
    <Section title="Webhooks">
      <p class="muted">
        A provider posts to the plugin's URL; each verified delivery becomes a <code>webhook</code> job that a runner of
        this team leases.
      </p>
      {isAdmin(team) && (
        <NewWebhook
          base={base}
          onCreated={(pluginId, value) => {
            setSecret({ pluginId, secret: value });
            list.reload();
          }}
        />
      )}
      {secret !== null && (
        <SecretReveal
          label={`webhook secret of ${secret.pluginId}`}
          secret={secret.secret}
          onDismiss={() => setSecret(null)}
        />
      )}
      <ErrorNote error={list.error ?? remove.error ?? rotate.error} onRetry={list.reload} />
      {list.data === undefined ? (
        list.error === null && <Loading what="webhooks" />
      ) : list.data.webhooks.length === 0 ? (
        <Empty title="No webhooks yet." />
      ) : (
        list.data.webhooks.map((w) => (
          <div class="webhook" key={w.pluginId} role="group" aria-label={`Webhook ${w.pluginId}`}>
            <h3>{w.pluginId}</h3>
            <p>
              <span class="mono">{location.origin + w.url}</span>{" "}
              <CopyButton text={location.origin + w.url} label="Copy URL" />
            </p>
            <p class="muted">
              {w.algorithm} · {w.format} in <code>{w.header}</code>
              {w.deliveryIdHeader !== null && (
                <>
                  {" "}
                  · delivery id in <code>{w.deliveryIdHeader}</code>
                </>
              )}{" "}
              · secret from <When iso={w.secretCreatedAt} />
            </p>
            {isAdmin(team) && (
              <div class="actions">
                <ConfirmButton
                  label="Rotate secret"
                  confirmLabel="Really rotate"
                  busy={rotate.busy}
                  onConfirm={() => void rotate.run(w.pluginId)}
                />
                <ConfirmButton
                  label="Delete"
                  confirmLabel="Really delete"
                  busy={remove.busy}
                  onConfirm={() => void remove.run(w.pluginId)}
                />
              </div>
            )}
            <Deliveries
              base={`${base}/webhooks/${encodeURIComponent(w.pluginId)}`}
              canRedeliver={team.role !== "viewer"}
            />
          </div>
        ))
      )}
    </Section>
  );
}

function NewWebhook({ base, onCreated }: { base: string; onCreated: (pluginId: string, secret: string) => void }) {
  const [pluginId, setPluginId] = useState("");
  const [preset, setPreset] = useState("github");
  const [header, setHeader] = useState(PRESETS.github?.scheme.header ?? "");
  const create = useAction(async () => {
    const scheme = PRESETS[preset]?.scheme;
    if (scheme === undefined) return;
    const made = await api<{ secret: string; pluginId: string }>("POST", `${base}/webhooks`, {
      pluginId: pluginId.trim(),
      ...scheme,
      header: header.trim(),
    });
    setPluginId("");
    onCreated(made.pluginId, made.secret);
  });
  return (
    <form
      class="stack-form"
      aria-label="Add a webhook"
      onSubmit={(e) => {
        e.preventDefault();
        void create.run();
      }}
    >
      <label>
        Plugin id
        <input
          required
          maxLength={100}
          pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
          title="Letters, digits, . _ - (starting with a letter or digit)"
          value={pluginId}
          onInput={(e) => setPluginId(e.currentTarget.value)}
        />
      </label>
      <label>
        Provider
        <select
          value={preset}
          onChange={(e) => {
            const next = e.currentTarget.value;
            setPreset(next);
            setHeader(PRESETS[next]?.scheme.header ?? "");
          }}
        >
          {Object.entries(PRESETS).map(([id, p]) => (
            <option key={id} value={id}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        Signature header
        <input required maxLength={100} value={header} onInput={(e) => setHeader(e.currentTarget.value)} />
      </label>
      <ErrorNote error={create.error} />
      <div class="actions">
        <button type="submit" disabled={create.busy}>
          {create.busy ? "Adding…" : "Add webhook"}
        </button>
      </div>
    </form>
  );
}

/** Why a delivery was refused, in words (the sender only ever saw 401). */
const REFUSAL_WORDS: Record<string, string> = {
  MISSING_SIGNATURE: "no signature header",
  MALFORMED_SIGNATURE: "the signature header is malformed",
  BAD_SIGNATURE: "the signature does not match the body",
  WRONG_ALGORITHM: "signed with another algorithm",
  STALE_TIMESTAMP: "the timestamp is outside the 5-minute tolerance",
};

function Deliveries({ base, canRedeliver }: { base: string; canRedeliver: boolean }) {
  const list = useResource(() => api<{ deliveries: WebhookDelivery[] }>("GET", `${base}/deliveries`), [base]);
  const redeliver = useAction(async (id: string) => {
    await api("POST", `${base}/deliveries/${encodeURIComponent(id)}/redeliver`);
    list.reload();
  });
  return (
    <>
      <ErrorNote error={list.error ?? redeliver.error} onRetry={list.reload} />
      {list.data === undefined ? (
        list.error === null && <Loading what="deliveries" />
      ) : list.data.deliveries.length === 0 ? (
        <p class="muted">No deliveries yet.</p>
      ) : (
        <table aria-label="Deliveries">
          <thead>
            <tr>
              <th>Received</th>
              <th>Delivery id</th>
              <th>Outcome</th>
              <th>Job</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.deliveries.map((d) => (
              <tr key={d.id}>
                <td>
                  <When iso={d.receivedAt} />
                </td>
                <td class="mono">{d.deliveryId ?? "—"}</td>
                <td>
                  {d.verified ? "verified" : `refused: ${REFUSAL_WORDS[d.reason ?? ""] ?? d.reason ?? "unknown"}`}
                  {d.redeliveryOf !== null && <span class="muted"> (redelivery)</span>}
                </td>
                <td>{d.jobId !== null ? <Link to={`/jobs/${encodeURIComponent(d.jobId)}`}>{d.jobId}</Link> : "—"}</td>
                <td>
                  {d.verified && canRedeliver && (
                    <button
                      type="button"
                      class="secondary"
                      disabled={redeliver.busy}
                      onClick={() => void redeliver.run(d.id)}
                    >
                      Redeliver
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
