/**
 * Onboarding, as `config.sh` / `gitlab-runner register` do it: `register` checks each credential
 * against its face and writes the config file (mode 0600) with a stable runner id; `verify`
 * checks the stored credentials again; `service install` writes a systemd unit.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { HttpClient, RunnerApiError } from "./client/http";
import {
  checkApi,
  checkRunnerId,
  checkTags,
  ConfigError,
  configFileSchema,
  defaultConfigPath,
  defaultRunnerId,
  DEFAULTS,
  readConfigFile,
  splitList,
  type ConfigFile,
} from "./config";

export type Say = (line: string) => void;

/** The three credentials and how each is checked: a call that needs the credential, on nothing. */
const CHECKS = {
  token: {
    face: "jobs API and fleet",
    flag: "--token",
    method: "POST",
    path: (probe: string) => `/jobs/${probe}/runner/heartbeat`,
    body: (probe: string) => ({ runnerId: probe, leaseToken: probe }),
  },
  codeToken: {
    face: "Coderunner",
    flag: "--code-token",
    method: "POST",
    path: (probe: string) => `/api/coderunner/executions/${probe}/heartbeat`,
    body: (probe: string) => ({ leaseToken: probe }),
  },
  workspaceToken: {
    face: "workspace runner API",
    flag: "--workspace-token",
    method: "POST",
    path: () => "/heartbeatWorkspaceJob",
    body: (probe: string) => ({ workspaceId: probe }),
  },
} as const;
type CredentialName = keyof typeof CHECKS;
type Credentials = Partial<Record<CredentialName, string>>;

export interface CheckResult {
  name: CredentialName;
  ok: boolean;
  message: string;
}

/**
 * Checks one credential: a runner call about a job that does not exist. The face answers 404 (or
 * 409) to a credential it accepts and 401/403 to one it does not; nothing is created or changed.
 */
export async function checkCredential(
  api: string,
  name: CredentialName,
  token: string,
  signal?: AbortSignal,
): Promise<CheckResult> {
  const check = CHECKS[name];
  const probe = `rp-verify-${randomBytes(6).toString("hex")}`;
  const http = new HttpClient({
    baseUrl: api,
    token,
    retry: { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 1_000, maxElapsedMs: 10_000 },
  });
  try {
    await http.request({ method: check.method, path: check.path(probe), json: check.body(probe), signal }, z.unknown());
    return {
      name,
      ok: false,
      message: `${check.face}: unexpected success for a job that does not exist; is ${api} a Runnerplane API?`,
    };
  } catch (error) {
    if (!(error instanceof RunnerApiError)) throw error;
    if (error.status === 404 || error.status === 409) return { name, ok: true, message: `${check.face}: accepted` };
    if (error.status === 401 || error.status === 403)
      return { name, ok: false, message: `${check.face}: refused (${error.status} ${error.reason}): ${error.message}` };
    return { name, ok: false, message: `${check.face}: could not check (${error.message})` };
  }
}

/** `register`: returns the exit status. */
export async function register(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  say: Say,
  signal: AbortSignal,
): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      api: { type: "string" },
      token: { type: "string" },
      "code-token": { type: "string" },
      "workspace-token": { type: "string" },
      tags: { type: "string" },
      name: { type: "string" },
      id: { type: "string" },
      config: { type: "string" },
      insecure: { type: "boolean" },
    },
  });
  const path = resolve(values.config ?? defaultConfigPath(env));
  const existing: ConfigFile = existsSync(path) ? readConfigFile(path) : configFileSchema.parse({});
  const api = checkApi(values.api ?? env.RUNNER_API ?? existing.api, values.insecure === true);
  const given: Credentials = {};
  if (values.token !== undefined) given.token = values.token.trim();
  if (values["code-token"] !== undefined) given.codeToken = values["code-token"].trim();
  if (values["workspace-token"] !== undefined) given.workspaceToken = values["workspace-token"].trim();
  if (Object.keys(given).length === 0)
    throw new ConfigError(
      "Give at least one credential: --token (jobs API and fleet), --code-token (Coderunner) or --workspace-token (workspace runner API).",
    );

  const id = checkRunnerId(values.id ?? existing.id ?? defaultRunnerId());
  const tags = values.tags === undefined ? existing.tags : checkTags(splitList(values.tags));

  say(`Checking credentials against ${api} ...`);
  const results = await checkAll(api, given, signal);
  for (const r of results) say(`  ${r.ok ? "ok  " : "FAIL"} ${r.message}`);
  if (signal.aborted) {
    say("Stopped; nothing written.");
    return 130;
  }
  if (results.some((r) => !r.ok)) {
    say(
      `Nothing written: fix the credential${results.filter((r) => !r.ok).length > 1 ? "s" : ""} above and register again.`,
    );
    return 1;
  }
  const config: ConfigFile = {
    ...existing,
    api,
    id,
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(tags !== undefined ? { tags } : {}),
    credentials: { ...existing.credentials, ...given },
  };
  writePrivate(path, `${JSON.stringify(config, null, 2)}\n`);
  say(`Registered runner ${id}: wrote ${path} (mode 600).`);
  say(`Start it with:  runnerplane-runner run${values.config === undefined ? "" : ` --config ${path}`}`);
  say(`Or as a service: runnerplane-runner service install${values.config === undefined ? "" : ` --config ${path}`}`);
  return 0;
}

/** `verify`: every stored credential, checked again. */
export async function verify(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  say: Say,
  signal: AbortSignal,
): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: { config: { type: "string" }, insecure: { type: "boolean" } },
  });
  const path = resolve(values.config ?? defaultConfigPath(env));
  if (!existsSync(path)) throw new ConfigError(`No config file at ${path}: run runnerplane-runner register first.`);
  const file = readConfigFile(path);
  const api = checkApi(file.api, values.insecure === true);
  const credentials: Credentials = file.credentials ?? {};
  if (Object.keys(credentials).length === 0)
    throw new ConfigError(`${path} holds no credentials: run runnerplane-runner register.`);
  say(`Runner ${file.id ?? "(no id)"} at ${api}:`);
  const results = await checkAll(api, credentials, signal);
  for (const r of results) say(`  ${r.ok ? "ok  " : "FAIL"} ${r.message}`);
  return results.every((r) => r.ok) && !signal.aborted ? 0 : 1;
}

async function checkAll(api: string, credentials: Credentials, signal: AbortSignal): Promise<CheckResult[]> {
  const names = (Object.keys(CHECKS) as CredentialName[]).filter((name) => credentials[name] !== undefined);
  return Promise.all(
    names.map((name) =>
      checkCredential(api, name, credentials[name] ?? "", signal).catch((error: unknown) => ({
        name,
        ok: false,
        message: `${CHECKS[name].face}: ${error instanceof Error ? error.message : String(error)}`,
      })),
    ),
  );
}

/** `service install`: a systemd unit running `run` with this config, and what to do next. */
export function installService(argv: readonly string[], env: NodeJS.ProcessEnv, say: Say, script: string): number {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: { config: { type: "string" }, "unit-dir": { type: "string" }, name: { type: "string" } },
  });
  const path = resolve(values.config ?? defaultConfigPath(env));
  if (!existsSync(path)) throw new ConfigError(`No config file at ${path}: run runnerplane-runner register first.`);
  const file = readConfigFile(path);
  const root = process.getuid?.() === 0;
  const unitDir = resolve(
    values["unit-dir"] ?? (root ? "/etc/systemd/system" : join(homedir(), ".config", "systemd", "user")),
  );
  const unitName = `${values.name ?? "runnerplane-runner"}.service`;
  const graceSeconds = Math.ceil((file.graceMs ?? DEFAULTS.graceMs) / 1000);
  const unit = [
    "[Unit]",
    `Description=Runnerplane runner ${file.id ?? ""}`.trimEnd(),
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    ...(root ? [`User=${userInfo().username}`] : []),
    `ExecStart=${quote(process.execPath)} ${quote(script)} run --config ${quote(path)} --json`,
    "Restart=on-failure",
    "RestartSec=5",
    // SIGTERM drains: running jobs get the grace period, then the runner deregisters.
    "KillSignal=SIGTERM",
    "KillMode=mixed",
    `TimeoutStopSec=${graceSeconds + 60}`,
    // Job cgroups (memory, CPU, process limits) are made below the service's own.
    "Delegate=yes",
    "NoNewPrivileges=no",
    "",
    "[Install]",
    `WantedBy=${root ? "multi-user.target" : "default.target"}`,
    "",
  ].join("\n");
  mkdirSync(unitDir, { recursive: true });
  const unitPath = join(unitDir, unitName);
  writeFileSync(unitPath, unit, { mode: 0o644 });
  say(`Wrote ${unitPath}. Now run:`);
  const ctl = root ? "systemctl" : "systemctl --user";
  say(`  ${ctl} daemon-reload && ${ctl} enable --now ${unitName}`);
  say(`  journalctl ${root ? "" : "--user "}-u ${unitName} -f    # its log`);
  return 0;
}

/** Written whole under a temporary name, then renamed: never half a file, never readable by others. */
function writePrivate(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(arg) ? arg : `"${arg.replace(/["\\$`]/g, "\\$&")}"`;
}
