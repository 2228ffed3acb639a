/**
 * Code (seed 000): a tenant's definitions with their versions and deployments, and its recent
 * executions. The Coderunner API authenticates the Control Plane (an RS256 JWT with
 * `x-client-key` / `x-userid`), not Studio users, so the page asks for those once and keeps
 * them in sessionStorage (see controlPlaneSession.ts) until Disconnect, sign-out or the tab closes.
 */
import { useState } from "preact/hooks";
import { ApiFailure, controlPlaneGet, type ControlPlaneCredentials } from "../api";
import type { CodeDefinition, CodeDeployment, CodeExecution, CodeOverview, CodeVersion } from "../apiTypes";
import { forgetControlPlane, loadControlPlane, saveControlPlane } from "../controlPlaneSession";
import { isLocalStack } from "../firebase";
import { bytes } from "../format";
import { useAction, useResource, useTick } from "../hooks";
import { CopyButton, Empty, ErrorNote, Loading, Section, StatusBadge, When } from "../ui";

/** The overview is polled this often, so new versions and executions show up on their own. */
export const CODE_POLL_MS = 5_000;
const OVERVIEW_PATH = "/api/coderunner/overview";

/** A refusal in words: the envelope says why, this says what was refused. */
function refusalWords(error: unknown): Error {
  if (error instanceof ApiFailure && error.status === 401) {
    return new Error(
      `The Coderunner API refused this token: ${error.message} Check that it is a Control Plane token (RS256) that has not expired.`,
    );
  }
  if (error instanceof ApiFailure && error.status === 403) {
    return new Error(`The Coderunner API refused this token for this tenant: ${error.message}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

async function loadOverview(credentials: ControlPlaneCredentials): Promise<CodeOverview> {
  try {
    return await controlPlaneGet<CodeOverview>(credentials, OVERVIEW_PATH);
  } catch (error) {
    throw refusalWords(error);
  }
}

function ConnectForm({ onConnected }: { onConnected: (credentials: ControlPlaneCredentials) => void }) {
  const [token, setToken] = useState("");
  const [clientKey, setClientKey] = useState("");
  const [userId, setUserId] = useState("");
  // The credentials are tried before they are kept: a refused token is said so here, not stored.
  const connect = useAction(async () => {
    const credentials = { token: token.trim(), clientKey: clientKey.trim(), userId: userId.trim() };
    await loadOverview(credentials);
    saveControlPlane(credentials);
    onConnected(credentials);
  });
  return (
    <Section title="Connect to Coderunner">
      <p>
        The Coderunner API takes the Control Plane's token for one tenant, not your Studio sign-in. Enter a token with
        the client key (tenant) and user id it was issued for. They stay in this browser tab only, until you disconnect,
        sign out or close the tab.
      </p>
      {isLocalStack() ? (
        <p class="small muted">
          On the local stack, <code>npm run dev:token -- --tenant TENANT --user USER</code> mints one.
        </p>
      ) : (
        <p class="small muted">The Control Plane issues these tokens.</p>
      )}
      <form
        class="stack-form"
        aria-label="Connect to Coderunner"
        onSubmit={(e) => {
          e.preventDefault();
          void connect.run();
        }}
      >
        <label>
          Control Plane token
          <input
            type="password"
            class="mono"
            required
            autoComplete="off"
            spellcheck={false}
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
        </label>
        <label>
          Client key (tenant)
          <input
            required
            maxLength={64}
            autoComplete="off"
            spellcheck={false}
            class="mono"
            value={clientKey}
            onInput={(e) => setClientKey(e.currentTarget.value)}
          />
        </label>
        <label>
          User id
          <input
            required
            maxLength={128}
            autoComplete="off"
            spellcheck={false}
            class="mono"
            value={userId}
            onInput={(e) => setUserId(e.currentTarget.value)}
          />
        </label>
        <ErrorNote error={connect.error} />
        <div class="actions">
          <button type="submit" disabled={connect.busy}>
            {connect.busy ? "Connecting…" : "Connect"}
          </button>
        </div>
      </form>
    </Section>
  );
}

function VersionRow({ version }: { version: CodeVersion }) {
  return (
    <li class="code-row" data-version-id={version.id} data-status={version.statusName}>
      <div class="code-row-head">
        <strong>v{version.number}</strong>
        <StatusBadge status={version.statusName} />
        <span class="muted small">
          <When iso={version.createdAt} />
        </span>
      </div>
      {version.description !== "" && <p class="code-row-text">{version.description}</p>}
      {version.statusName === "Failed" && version.failureReason !== null && (
        <p class="failure-reason">
          <strong>Refused:</strong> {version.failureReason}
        </p>
      )}
      <p class="muted small mono">
        {version.id}
        {version.entryPoint !== null && ` · entry ${version.entryPoint}`}
        {` · ${bytes(version.bundle.size)}`}
        {version.fileCount !== null && ` · ${version.fileCount} file${version.fileCount === 1 ? "" : "s"}`}
      </p>
    </li>
  );
}

function DeploymentRow({
  deployment,
  versionNumber,
}: {
  deployment: CodeDeployment;
  versionNumber: number | undefined;
}) {
  const { configuration } = deployment;
  return (
    <li class="code-row" data-deployment-id={deployment.id} data-status={deployment.status}>
      <div class="code-row-head">
        <span class="mono small code-id">{deployment.id}</span>
        <StatusBadge status={deployment.status} />
      </div>
      <p class="code-row-text small">
        {versionNumber === undefined ? <span class="mono">version {deployment.versionId}</span> : `v${versionNumber}`} ·{" "}
        {configuration.cpu} CPU · {configuration.memory}
        {configuration.cronExpression !== null && (
          <>
            {" "}
            · cron <code>{configuration.cronExpression}</code> (UTC)
            {deployment.schedule?.nextFireAt !== null && deployment.schedule?.nextFireAt !== undefined && (
              <>
                , next <When iso={deployment.schedule.nextFireAt} />
              </>
            )}
          </>
        )}{" "}
        · deployed <When iso={deployment.createdAt} />
      </p>
      {deployment.status === "active" && (
        <div class="endpoint-row">
          <span class="muted small">Endpoint</span>
          <code class="endpoint">{configuration.externalEndpoint}</code>
          <CopyButton text={configuration.externalEndpoint} />
        </div>
      )}
    </li>
  );
}

function DefinitionCard({ definition }: { definition: CodeDefinition }) {
  const numbers = new Map(definition.versions.map((v) => [v.id, v.number]));
  const hiddenVersions = definition.versionCount - definition.versions.length;
  return (
    <li class="card code-definition" data-definition-id={definition.id}>
      <div class="card-head">
        <h3>{definition.name}</h3>
        <span class="chip">{definition.languageTypeName}</span>
        <span class="chip">{definition.deploymentTypeName}</span>
      </div>
      {definition.description !== "" && <p>{definition.description}</p>}
      <p class="muted small mono">
        {definition.id} · created <When iso={definition.createdAt} />
      </p>
      <h4>Versions</h4>
      {definition.versions.length === 0 ? (
        <p class="muted small">
          No versions yet: upload a ZIP with <code>POST /api/file/{definition.id}/upload</code>.
        </p>
      ) : (
        <ul class="code-rows" aria-label={`Versions of ${definition.name}`}>
          {definition.versions.map((v) => (
            <VersionRow key={v.id} version={v} />
          ))}
        </ul>
      )}
      {hiddenVersions > 0 && (
        <p class="muted small">Showing the newest {definition.versions.length}; older versions are not listed here.</p>
      )}
      <h4>Deployments</h4>
      {definition.deployments.length === 0 ? (
        <p class="muted small">
          Not deployed: deploy a Completed version with <code>POST /api/deployment/create</code>.
        </p>
      ) : (
        <ul class="code-rows" aria-label={`Deployments of ${definition.name}`}>
          {definition.deployments.map((d) => (
            <DeploymentRow key={d.id} deployment={d} versionNumber={numbers.get(d.versionId)} />
          ))}
        </ul>
      )}
    </li>
  );
}

function ExecutionRow({ execution, definitionName }: { execution: CodeExecution; definitionName: string | undefined }) {
  return (
    <li class="code-row" data-execution-id={execution.executionId} data-status={execution.status}>
      <div class="code-row-head">
        <span class="mono small code-id">{execution.executionId}</span>
        <StatusBadge status={execution.status} />
        {execution.exitCode !== null && <span class="small">exit {execution.exitCode}</span>}
      </div>
      <p class="code-row-text small">
        {definitionName ?? "a definition not listed"} · deployment <span class="mono">{execution.deploymentId}</span> ·{" "}
        {execution.trigger}
      </p>
      <p class="muted small">
        queued <When iso={execution.createdAt} />
        {execution.finishedAt !== null && (
          <>
            {" "}
            · finished <When iso={execution.finishedAt} />
          </>
        )}
      </p>
      {execution.error !== null && <p class="failure-reason">{execution.error}</p>}
    </li>
  );
}

function Overview({ credentials, onDisconnect }: { credentials: ControlPlaneCredentials; onDisconnect: () => void }) {
  const overview = useResource(() => loadOverview(credentials), [credentials], CODE_POLL_MS);
  useTick(5_000);
  const data = overview.data;
  const names = new Map((data?.definitions ?? []).map((d) => [d.id, d.name]));
  let definitions;
  let executions;
  if (data === undefined) {
    definitions = overview.error === null ? <Loading what="definitions" /> : null;
    executions = overview.error === null ? <Loading what="executions" /> : null;
  } else {
    definitions =
      data.definitions.length === 0 ? (
        <Empty title="No definitions yet">
          <p>
            Create one through the Coderunner API: <code>POST /api/definitions</code> with{" "}
            <code>{'{ "name", "deploymentType", "languageType" }'}</code>, then upload a ZIP to{" "}
            <code>POST /api/file/&#123;id&#125;/upload</code> and deploy it with{" "}
            <code>POST /api/deployment/create</code>.
          </p>
        </Empty>
      ) : (
        <>
          <ul class="code-definitions" aria-label="Definitions">
            {data.definitions.map((d) => (
              <DefinitionCard key={d.id} definition={d} />
            ))}
          </ul>
          {data.moreDefinitions && <p class="muted small">Showing the newest {data.definitions.length} definitions.</p>}
        </>
      );
    executions =
      data.executions.length === 0 ? (
        <Empty title="No executions yet">
          <p>
            Run a deployment with <code>POST /api/execution/run/onetime/&#123;deploymentId&#125;</code> or by posting to
            its endpoint; a Coderunner runner picks it up.
          </p>
        </Empty>
      ) : (
        <>
          <ul class="code-rows" aria-label="Recent executions">
            {data.executions.map((e) => (
              <ExecutionRow key={e.executionId} execution={e} definitionName={names.get(e.definitionId)} />
            ))}
          </ul>
          {data.moreExecutions && <p class="muted small">Showing the newest {data.executions.length} executions.</p>}
        </>
      );
  }
  return (
    <>
      <div class="panel connected-bar" role="region" aria-label="Coderunner connection">
        <p>
          Connected as user <span class="mono">{credentials.userId}</span> of tenant{" "}
          <span class="mono code-id">{credentials.clientKey}</span>
        </p>
        <button type="button" class="secondary" onClick={onDisconnect}>
          Disconnect
        </button>
      </div>
      <ErrorNote error={overview.error} onRetry={overview.reload} />
      <Section
        title="Definitions"
        id="code-definitions"
        actions={<span class="muted small live-note">Live · refreshes every {CODE_POLL_MS / 1000} s</span>}
      >
        {definitions}
      </Section>
      <Section title="Recent executions" id="code-executions">
        {executions}
      </Section>
    </>
  );
}

export function CodePage() {
  const [credentials, setCredentials] = useState<ControlPlaneCredentials | null>(() => loadControlPlane());
  return (
    <>
      <h1>Code</h1>
      {credentials === null ? (
        <ConnectForm onConnected={setCredentials} />
      ) : (
        <Overview
          credentials={credentials}
          onDisconnect={() => {
            forgetControlPlane();
            setCredentials(null);
          }}
        />
      )}
    </>
  );
}
