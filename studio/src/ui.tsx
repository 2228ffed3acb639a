/** Small pieces every page uses: states, badges, times, links, the shown-once secret. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { dateTime, relativeTime } from "./format";
import { href, navigate } from "./router";

export function Loading({ what }: { what: string }) {
  return (
    <p class="state loading" role="status">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="state empty">
      <p class="empty-title">{title}</p>
      {children}
    </div>
  );
}

export function ErrorNote({ error, onRetry }: { error: string | null; onRetry?: () => void }) {
  if (error === null) return null;
  return (
    <div class="error" role="alert">
      <span>{error}</span>{" "}
      {onRetry !== undefined && (
        <button type="button" class="link-button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A status word as a coloured badge (job statuses and runner states share it). */
export function StatusBadge({ status }: { status: string | null | undefined }) {
  const word = status ?? "unknown";
  return <span class={`badge status-${word.toLowerCase()}`}>{word}</span>;
}

/** A relative time with the full date as its tooltip. */
export function When({ iso }: { iso: string | null | undefined }) {
  if (iso === null || iso === undefined) return <span class="muted">never</span>;
  return (
    <time dateTime={iso} title={dateTime(iso)}>
      {relativeTime(iso)}
    </time>
  );
}

/** An in-app link: a real href (open in a new tab works), navigated without a reload. */
export function Link({
  to,
  children,
  class: className,
  current,
}: {
  to: string;
  children: ComponentChildren;
  class?: string;
  current?: boolean;
}) {
  return (
    <a
      class={className}
      aria-current={current === true ? "page" : undefined}
      href={href(to)}
      onClick={(event) => {
        if (
          event.defaultPrevented ||
          event.button !== 0 ||
          event.metaKey ||
          event.ctrlKey ||
          event.shiftKey ||
          event.altKey
        )
          return;
        event.preventDefault();
        navigate(to);
      }}
    >
      {children}
    </a>
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      // Clipboard access can be refused (permissions, insecure origin): say so; the text is selectable.
      setState("failed");
    }
  };
  return (
    <span class="copy">
      <button type="button" onClick={() => void copy()}>
        {state === "copied" ? "Copied" : label}
      </button>
      {state === "failed" && (
        <span class="muted"> The browser refused clipboard access: select the text and copy it.</span>
      )}
    </span>
  );
}

/**
 * A secret the server shows exactly once (runner keys, API keys): the value, a copy button, a
 * warning, and a button to put it away. Once dismissed it cannot be shown again.
 */
export function SecretReveal({
  label,
  secret,
  onDismiss,
  children,
}: {
  label: string;
  secret: string;
  onDismiss: () => void;
  children?: ComponentChildren;
}) {
  return (
    <div class="secret" role="region" aria-label={label}>
      <p class="secret-warning">
        <strong>Copy this {label} now.</strong> It is shown only once: Runnerplane keeps only a hash of it and cannot
        show it again. Anyone with it can act as this key, so keep it out of chats and repositories.
      </p>
      <div class="secret-row">
        <input
          class="secret-value mono"
          readOnly
          value={secret}
          aria-label={label}
          onFocus={(e) => e.currentTarget.select()}
        />
        <CopyButton text={secret} />
      </div>
      {children}
      <button type="button" class="secondary" onClick={onDismiss}>
        I've stored it
      </button>
    </div>
  );
}

/** A two-step destructive button: the first click asks, the second acts. */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  busy,
}: {
  label: string;
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class="danger-outline" disabled={busy === true} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span class="confirm">
      <button
        type="button"
        class="danger"
        disabled={busy === true}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" class="secondary" onClick={() => setAsking(false)}>
        Keep
      </button>
    </span>
  );
}

export function Section({
  title,
  children,
  actions,
  id,
}: {
  title: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
  id?: string;
}) {
  return (
    <section class="panel" id={id} aria-label={title}>
      <header class="panel-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}
