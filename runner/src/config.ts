/**
 * The runner's settings: command-line flags over the environment over the config file
 * (`--config runner.json`, default DEFAULT_CONFIG_PATH once `register` wrote it) over defaults.
 * A config file that holds credentials (`register` writes them) must be readable by its owner
 * only (mode 0600), as ssh insists for its keys; one without them can be shared and committed.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir, hostname } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { MAX_CONCURRENCY } from "../../contract/src/fleet";
import { runnerId as jobsRunnerId } from "../../contract/src/jobs";
import { capabilityName, LLM, MAX_CAPABILITIES, MAX_PLUGINS, pluginId, PLUGINS } from "../../contract/src/capabilities";
import { runnerIdSchema as fleetRunnerId, tagSchema, MAX_TAGS } from "../../contract/src/fleet";

export const FACES = ["jobs", "fleet", "code", "workspace"] as const;
export type FaceName = (typeof FACES)[number];

export const DEFAULTS = {
  concurrency: 3,
  /** Fleet heartbeat; well inside the server's default offline threshold (2 minutes). */
  heartbeatMs: 15_000,
  /** First idle poll delay per face; it doubles while a face stays empty, up to IDLE_POLL_CAP × this. */
  pollMs: 1_000,
  /**
   * How long one lease call waits on the server for work (`waitMs`, long poll): work starts as
   * soon as it is queued, and an idle runner makes one call per this. 0 polls instead: the
   * default, because a wait this runner abandons when it stops keeps running on a server that is
   * not told of the disconnect (the functions emulator) and leases the next job to nobody.
   */
  leaseWaitMs: 0,
  graceMs: 30_000,
  /** Coderunner executions: the longest one may run. */
  executionTimeoutMs: 5 * 60 * 1000,
} as const;
/** Polling faster than this swamps a small API for nothing. */
export const MIN_POLL_MS = 250;
export const MIN_HEARTBEAT_MS = 250;
export const IDLE_POLL_CAP = 8;
/** The server's longest lease wait (`waitMs`, 0–25,000). */
export const MAX_LEASE_WAIT_MS = 25_000;

const commandSchema = z.array(z.string().min(1)).min(1, "a command is an argv array: [program, ...args]");
const envSchema = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "environment names are letters, digits and _"), z.string())
  .default({});
const timeoutSchema = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 60 * 60 * 1000)
  .optional();

/** How to run one jobs-API job type. */
const jobTypeSchema = z
  .object({
    command: commandSchema,
    /** Globs, relative to the job's work dir, of files to upload as artifacts when it succeeds. */
    outputs: z.array(z.string().min(1)).max(100).default([]),
    timeoutMs: timeoutSchema,
    env: envSchema,
    /** Working directory (relative to the config file); default: the job's fresh work dir. */
    cwd: z.string().min(1).optional(),
  })
  .strict();

const commandFaceSchema = z
  .object({ command: commandSchema, timeoutMs: timeoutSchema, env: envSchema, cwd: z.string().min(1).optional() })
  .strict();

/**
 * A plugin this runner has: a command that answers its rpc requests (`{ method, pluginId, params }`
 * as JSON on stdin, the answer as a JSON object on the last stdout line), and the capabilities it
 * brings (`git`, `tracker`…), which `/test/<capability>` asks it about.
 */
const pluginSchema = z
  .object({
    command: commandSchema,
    capabilities: z.array(capabilityName).max(MAX_CAPABILITIES).default([]),
    timeoutMs: timeoutSchema,
    env: envSchema,
    cwd: z.string().min(1).optional(),
  })
  .strict();

/** What `register` stores: the credentials it checked, face by face. */
export const credentialsSchema = z
  .object({
    token: z.string().min(1).optional(),
    codeToken: z.string().min(1).optional(),
    workspaceToken: z.string().min(1).optional(),
  })
  .strict();

/** Job isolation settings (see docs/runner.md, "The sandbox"). */
const sandboxSchema = z
  .object({
    /** Coderunner executions may reach the network (default true); jobs always may. */
    network: z.boolean().optional(),
    /** Most processes one execution or job may run at once. */
    maxProcesses: z.number().int().min(8).max(100_000).optional(),
    /** Memory limit for jobs, review tasks and workspace turns (executions use their deployment's). */
    jobMemoryMiB: z
      .number()
      .int()
      .min(16)
      .max(1024 * 1024)
      .optional(),
  })
  .strict();

export const configFileSchema = z
  .object({
    api: z.url().optional(),
    credentials: credentialsSchema.optional(),
    sandbox: sandboxSchema.default({}),
    id: z.string().optional(),
    name: z.string().optional(),
    tags: z.array(z.string()).optional(),
    concurrency: z.number().int().optional(),
    faces: z.array(z.enum(FACES)).optional(),
    heartbeatMs: z.number().int().optional(),
    pollMs: z.number().int().optional(),
    leaseWaitMs: z.number().int().optional(),
    graceMs: z.number().int().min(0).optional(),
    stateDir: z.string().optional(),
    jobs: z.record(z.string().min(1), jobTypeSchema).default({}),
    review: commandFaceSchema.optional(),
    workspace: commandFaceSchema.optional(),
    /** The intake chat's model: chat JSON on stdin, output on stdout as it comes (docs/intake.md). */
    llm: commandFaceSchema.optional(),
    /** Plugins by id: each answers the rpc requests for it (docs/intake.md). */
    plugins: z
      .record(pluginId, pluginSchema)
      .refine((p) => Object.keys(p).length <= MAX_PLUGINS, `at most ${MAX_PLUGINS} plugins`)
      .default({}),
    /** Capabilities to advertise beyond those `llm` and the plugins bring. */
    capabilities: z.array(capabilityName).max(MAX_CAPABILITIES).optional(),
    code: z
      .object({
        timeoutMs: timeoutSchema,
        node: z.string().min(1).optional(),
        python: z.string().min(1).optional(),
        dotnetScript: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();
export type ConfigFile = z.infer<typeof configFileSchema>;
export type JobTypeConfig = z.infer<typeof jobTypeSchema>;
export type CommandFaceConfig = z.infer<typeof commandFaceSchema>;
export type PluginConfig = z.infer<typeof pluginSchema>;

export interface RunnerConfig {
  api: string;
  /** API key with `runners:write` (jobs API and fleet). */
  token: string | null;
  /** Coderunner tenant runner key. */
  codeToken: string | null;
  /** Seed 001 runner key. */
  workspaceToken: string | null;
  runnerId: string;
  name: string;
  tags: string[];
  concurrency: number;
  faces: FaceName[];
  heartbeatMs: number;
  pollMs: number;
  /** `waitMs` sent on lease calls (0: poll). */
  leaseWaitMs: number;
  graceMs: number;
  stateDir: string;
  json: boolean;
  jobs: Record<string, JobTypeConfig>;
  review: CommandFaceConfig | null;
  workspace: CommandFaceConfig | null;
  /** The `llm` command (intake chat turns), or none. */
  llm: CommandFaceConfig | null;
  /** Plugins by id (rpc requests for them). */
  plugins: Record<string, PluginConfig>;
  /** What this runner advertises with each lease and heartbeat of the jobs API. */
  offers: { capabilities: string[]; plugins: string[] };
  code: { timeoutMs: number; node: string; python: string; dotnetScript: string };
  sandbox: { network: boolean; maxProcesses: number; jobMemoryMiB: number | null };
  /** Run Coderunner executions even where no sandbox is available. */
  allowUnsandboxed: boolean;
  /** Where the credentials came from, for the start message (never the credentials). */
  credentialSource: "config file" | "flags or environment" | "none";
  /** Paths job processes must not read (the config file, the state directory). */
  privatePaths: string[];
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Where `register` writes and `run` reads the config by default. */
export function defaultConfigPath(env: NodeJS.ProcessEnv): string {
  const base =
    env.XDG_CONFIG_HOME !== undefined && isAbsolute(env.XDG_CONFIG_HOME)
      ? env.XDG_CONFIG_HOME
      : join(homedir(), ".config");
  return join(base, "runnerplane", "runner.json");
}

export const DEFAULT_MAX_PROCESSES = 256;

export const USAGE = `Usage: runnerplane-runner <command> [options]

Commands:
  register --api <url> --token <key> [--code-token <key>] [--workspace-token <key>] [--tags a,b]
                           check each credential against the API and write the config file
                           (mode 0600) with a stable runner id
  run [options]            serve (the default command); reads the config file register wrote
  verify [--config <file>] check the config file's credentials again
  service install [--config <file>] [--unit-dir <dir>]
                           write a systemd unit that runs this runner, and say what to run
  --version, --help

Options of run (flags over environment over the config file):
  --api <url>              API base, e.g. https://runnerplane.example.com   (env RUNNER_API)
  --token <key>            API key with runners:write: jobs API + fleet     (env RUNNER_TOKEN)
  --code-token <key>       Coderunner tenant runner key                     (env RUNNER_CODE_TOKEN)
  --workspace-token <key>  seed 001 runner key                              (env RUNNER_WORKSPACE_TOKEN)
  --id <runnerId>          this runner's id (default: <hostname>-<random>)
  --name <name>            display name (default: the id)
  --tags gpu,fast          tags this runner carries
  --concurrency <n>        jobs at once, across all faces (default ${DEFAULTS.concurrency})
  --faces jobs,fleet,code,workspace
                           faces to serve (default: every face that is configured)
  --config <runner.json>   job commands and defaults (see docs/runner.md)
  --heartbeat-ms <ms>      fleet heartbeat interval (default ${DEFAULTS.heartbeatMs})
  --poll-ms <ms>           idle poll interval, at least ${MIN_POLL_MS} (default ${DEFAULTS.pollMs}); with a
                           lease wait, only after errors or from a server that does not wait
  --lease-wait-ms <ms>     how long a lease call waits for work on the server, 0 to ${MAX_LEASE_WAIT_MS}
                           (default ${DEFAULTS.leaseWaitMs}; 0 polls)
  --grace-ms <ms>          on SIGTERM, how long running jobs may finish (default ${DEFAULTS.graceMs})
  --state-dir <dir>        where the ledger of finished jobs lives (default ~/.runnerplane/runner/<id>)
  --insecure               allow http:// to a host other than this machine (tokens travel in clear)
  --allow-unsandboxed      run Coderunner executions even where no sandbox is available
  --json                   JSON lines even on a terminal

The config file defaults to $XDG_CONFIG_HOME/runnerplane/runner.json (~/.config/runnerplane/runner.json).`;

/** Reads flags, environment and the config file into one checked configuration. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): RunnerConfig | "help" {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      api: { type: "string" },
      token: { type: "string" },
      "code-token": { type: "string" },
      "workspace-token": { type: "string" },
      id: { type: "string" },
      name: { type: "string" },
      tags: { type: "string" },
      concurrency: { type: "string" },
      faces: { type: "string" },
      config: { type: "string" },
      "heartbeat-ms": { type: "string" },
      "poll-ms": { type: "string" },
      "lease-wait-ms": { type: "string" },
      "grace-ms": { type: "string" },
      "state-dir": { type: "string" },
      insecure: { type: "boolean" },
      "allow-unsandboxed": { type: "boolean" },
      json: { type: "boolean" },
      help: { type: "boolean" },
    },
  });
  if (values.help === true) return "help";

  const fallbackPath = defaultConfigPath(env);
  const configPath =
    values.config !== undefined ? resolve(values.config) : existsSync(fallbackPath) ? fallbackPath : null;
  const file = configPath === null ? configFileSchema.parse({}) : readConfigFile(configPath);
  const configDir = configPath === null ? process.cwd() : dirname(configPath);

  const api = checkApi(values.api ?? env.RUNNER_API ?? file.api, values.insecure === true);

  const runnerId = checkRunnerId(values.id ?? file.id ?? defaultRunnerId());
  const tags = checkTags(values.tags !== undefined ? splitList(values.tags) : (file.tags ?? []));

  const concurrency = intOption(
    "--concurrency",
    values.concurrency,
    file.concurrency,
    DEFAULTS.concurrency,
    1,
    MAX_CONCURRENCY,
  );
  const heartbeatMs = intOption(
    "--heartbeat-ms",
    values["heartbeat-ms"],
    file.heartbeatMs,
    DEFAULTS.heartbeatMs,
    MIN_HEARTBEAT_MS,
    10 * 60 * 1000,
  );
  const pollMs = intOption("--poll-ms", values["poll-ms"], file.pollMs, DEFAULTS.pollMs, MIN_POLL_MS, 10 * 60 * 1000);
  const leaseWaitMs = intOption(
    "--lease-wait-ms",
    values["lease-wait-ms"],
    file.leaseWaitMs,
    DEFAULTS.leaseWaitMs,
    0,
    MAX_LEASE_WAIT_MS,
  );
  const graceMs = intOption("--grace-ms", values["grace-ms"], file.graceMs, DEFAULTS.graceMs, 0, 24 * 60 * 60 * 1000);

  const given = [
    values.token ?? env.RUNNER_TOKEN,
    values["code-token"] ?? env.RUNNER_CODE_TOKEN,
    values["workspace-token"] ?? env.RUNNER_WORKSPACE_TOKEN,
  ].map(nonEmpty);
  const token = given[0] ?? nonEmpty(file.credentials?.token);
  const codeToken = given[1] ?? nonEmpty(file.credentials?.codeToken);
  const workspaceToken = given[2] ?? nonEmpty(file.credentials?.workspaceToken);

  const jobs = Object.fromEntries(
    Object.entries(file.jobs).map(([type, spec]) => [type, fromConfigDir(configDir, spec)]),
  );
  const review = file.review === undefined ? null : fromConfigDir(configDir, file.review);
  const workspace = file.workspace === undefined ? null : fromConfigDir(configDir, file.workspace);
  const llm = file.llm === undefined ? null : fromConfigDir(configDir, file.llm);
  const plugins = Object.fromEntries(
    Object.entries(file.plugins).map(([id, spec]) => [id, fromConfigDir(configDir, spec)]),
  );
  const offers = offersOf(file.capabilities ?? [], llm !== null, plugins);

  // Which faces can run: each needs its credential, and a face that runs commands needs one.
  const ready: Record<FaceName, string | null> = {
    jobs:
      token === null
        ? "no --token"
        : Object.keys(jobs).length === 0 && llm === null && Object.keys(plugins).length === 0
          ? 'no job types, "llm" or "plugins" in the config file'
          : null,
    fleet: token === null ? "no --token" : null,
    code: codeToken === null ? "no --code-token" : null,
    workspace:
      workspaceToken === null
        ? "no --workspace-token"
        : workspace === null
          ? 'no "workspace" command in the config file'
          : null,
  };
  const asked = values.faces !== undefined ? splitList(values.faces) : file.faces;
  let faces: FaceName[];
  if (asked !== undefined) {
    faces = [];
    for (const face of asked) {
      if (!(FACES as readonly string[]).includes(face))
        throw new ConfigError(`Unknown face ${JSON.stringify(face)}: use ${FACES.join(", ")}.`);
      const missing = ready[face as FaceName];
      if (missing !== null) throw new ConfigError(`Face ${face} cannot run: ${missing}.`);
      faces.push(face as FaceName);
    }
  } else {
    faces = FACES.filter((face) => ready[face] === null);
  }
  if (faces.length === 0)
    throw new ConfigError(
      "Nothing to serve: give --token (with job types in --config), --code-token, or --workspace-token with a workspace command.",
    );

  const stateDir = resolve(
    values["state-dir"] ??
      (file.stateDir === undefined
        ? join(homedir(), ".runnerplane", "runner", runnerId)
        : resolveFrom(configDir, file.stateDir)),
  );
  return {
    api,
    token,
    codeToken,
    workspaceToken,
    runnerId,
    name: values.name ?? file.name ?? runnerId,
    tags,
    concurrency,
    faces,
    heartbeatMs,
    pollMs,
    leaseWaitMs,
    graceMs,
    stateDir,
    json: values.json === true,
    jobs,
    review,
    workspace,
    llm,
    plugins,
    offers,
    code: {
      timeoutMs: file.code.timeoutMs ?? DEFAULTS.executionTimeoutMs,
      node: file.code.node ?? process.execPath,
      python: file.code.python ?? "python3",
      dotnetScript: file.code.dotnetScript ?? "dotnet-script",
    },
    sandbox: {
      network: file.sandbox.network ?? true,
      maxProcesses: file.sandbox.maxProcesses ?? DEFAULT_MAX_PROCESSES,
      jobMemoryMiB: file.sandbox.jobMemoryMiB ?? null,
    },
    allowUnsandboxed: values["allow-unsandboxed"] === true,
    credentialSource: given.some((g) => g !== null)
      ? "flags or environment"
      : file.credentials !== undefined
        ? "config file"
        : "none",
    privatePaths: [...(configPath === null ? [] : [configPath]), stateDir],
  };
}

/** What a runner advertises: its own list, `llm` with an llm command, `plugins` and each plugin's capabilities with plugins. */
export function offersOf(
  listed: readonly string[],
  hasLlm: boolean,
  plugins: Record<string, { capabilities: readonly string[] }>,
): { capabilities: string[]; plugins: string[] } {
  const ids = Object.keys(plugins).sort();
  const capabilities = new Set(listed);
  if (hasLlm) capabilities.add(LLM);
  if (ids.length > 0) capabilities.add(PLUGINS);
  for (const id of ids) for (const c of plugins[id]?.capabilities ?? []) capabilities.add(c);
  const list = [...capabilities].sort();
  if (list.length > MAX_CAPABILITIES)
    throw new ConfigError(
      `At most ${MAX_CAPABILITIES} capabilities in all (llm, plugins and theirs): ${list.join(", ")}.`,
    );
  return { capabilities: list, plugins: ids };
}

/**
 * The API base, checked: an http(s) URL without credentials, and https unless the host is this
 * machine (a token sent over plain http to another host can be read on the way) or `--insecure`.
 */
export function checkApi(api: string | undefined, insecure: boolean): string {
  if (api === undefined)
    throw new ConfigError('Name the API with --api <url> (or RUNNER_API, or "api" in the config file).');
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new ConfigError(`--api must be an http(s) URL, not ${JSON.stringify(api)}.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new ConfigError(`--api must be an http(s) URL, not ${JSON.stringify(api)}.`);
  if (url.username !== "" || url.password !== "")
    throw new ConfigError("--api must not carry a user name or password; credentials go in --token.");
  if (url.protocol === "http:" && !isLoopback(url.hostname) && !insecure) {
    throw new ConfigError(
      `--api ${url.origin}: plain http to another machine would send the runner's tokens in clear. Use https, or --insecure if the network is trusted.`,
    );
  }
  return api.replace(/\/+$/, "");
}

function isLoopback(host: string): boolean {
  const name = host.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    name === "localhost" ||
    name.endsWith(".localhost") ||
    name === "::1" ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)
  );
}

export function readConfigFile(path: string): ConfigFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`--config ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Credentials in a file others can read are credentials others have.
  const mode = statSync(path).mode & 0o777;
  if (typeof raw === "object" && raw !== null && "credentials" in raw && (mode & 0o077) !== 0) {
    throw new ConfigError(
      `--config ${path} holds credentials but is readable by others (mode ${mode.toString(8)}): run chmod 600 ${path}.`,
    );
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.map(String).join(".") || "(file)"}: ${i.message}`);
    throw new ConfigError(`--config ${path}: ${issues.join("; ")}`);
  }
  return parsed.data;
}

function intOption(
  flag: string,
  raw: string | undefined,
  fromFile: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = raw !== undefined ? Number(raw) : (fromFile ?? fallback);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${flag} must be a whole number from ${min} to ${max}.`);
  return value;
}

/** One id serves both faces: seed 004's registration and the jobs API's lease holder. */
export function checkRunnerId(runnerId: string): string {
  if (!fleetRunnerId.safeParse(runnerId).success || !jobsRunnerId.safeParse(runnerId).success) {
    throw new ConfigError(
      `--id ${JSON.stringify(runnerId)}: use 1-128 letters, digits, . _ or -, starting with a letter or digit.`,
    );
  }
  return runnerId;
}

export function checkTags(tags: string[]): string[] {
  if (tags.length > MAX_TAGS) throw new ConfigError(`At most ${MAX_TAGS} tags.`);
  for (const tag of tags)
    if (!tagSchema.safeParse(tag).success)
      throw new ConfigError(`Tag ${JSON.stringify(tag)}: use letters, digits and . _ : / -.`);
  return tags;
}

export function splitList(raw: string): string[] {
  return [
    ...new Set(
      raw
        .split(",")
        .map((t) => t.trim())
        .filter((t) => t.length > 0),
    ),
  ];
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === "" ? null : value.trim();
}

/**
 * A command's `cwd`, and its words that start with `./` or `../` (a script beside the config,
 * as in examples/runner.json), are relative to the config file, not to the job's work dir.
 */
export function fromConfigDir<T extends { command: string[]; cwd?: string | undefined }>(
  configDir: string,
  spec: T,
): T {
  const command = spec.command.map((word) => (/^\.\.?\//.test(word) ? resolve(configDir, word) : word));
  return { ...spec, command, cwd: spec.cwd === undefined ? undefined : resolveFrom(configDir, spec.cwd) };
}

function resolveFrom(dir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dir, path);
}

/**
 * Unique per process when nothing names the runner, so two runners on one machine never share a
 * lease holder by accident; `register` makes one once and stores it, so it stays the same.
 */
export function defaultRunnerId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, "-")
      .replace(/^[^A-Za-z0-9]+/, "")
      .slice(0, 100) || "runner";
  return `${host}-${randomBytes(3).toString("hex")}`;
}
