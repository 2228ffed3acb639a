/**
 * Seed 002's intelligence, insights, proposals and runner configuration: the limits, the path
 * rules and the bodies a runner sends (insights and proposals on a job it holds) or reads (its
 * team's configuration). No Firebase imports: the runner imports this module too.
 */
import { z } from "zod";
import { runnerRef, storableObject } from "./jobs";

/** Largest intelligence file, in UTF-8 bytes. */
export const MAX_INTELLIGENCE_FILE_BYTES = 256 * 1024;
/** Longest file path inside a layer. */
export const MAX_INTELLIGENCE_PATH_CHARS = 256;
/** Deepest folder nesting of a file path. */
export const MAX_INTELLIGENCE_PATH_SEGMENTS = 8;
/** Longest repository slug (`org/name`) in a `repo:<slug>` layer. */
export const MAX_REPO_SLUG_CHARS = 200;
/** Edits one preflight checks at once. */
export const MAX_PREFLIGHT_EDITS = 50;
/** Longest unified diff a proposal may carry. */
export const MAX_PATCH_CHARS = 512 * 1024;

export const MAX_PHASE_CHARS = 64;
export const MAX_CATEGORY_CHARS = 64;
export const MAX_SUMMARY_CHARS = 500;
export const MAX_DETAIL_CHARS = 20_000;
export const MAX_RATIONALE_CHARS = 10_000;
/** Insights one job may carry; a runner past this gets 409 TOO_MANY_INSIGHTS. */
export const MAX_INSIGHTS_PER_JOB = 200;

/** The layer every team has; repository layers are `repo:<slug>`. */
export const TENANT_LAYER = "tenant";
const SEGMENT = /^[A-Za-z0-9_.-]+$/;
const FILE_EXTENSION = /\.md$/;

/**
 * Why `layer` is not a layer name, or null. Layers are `tenant` and `repo:<slug>`, the slug a
 * repository name (`name` or `org/name`) of letters, digits, `_`, `.` and `-`.
 */
export function layerProblem(layer: string): string | null {
  if (layer === TENANT_LAYER) return null;
  if (!layer.startsWith("repo:")) return 'a layer is "tenant" or "repo:<slug>"';
  const slug = layer.slice("repo:".length);
  if (slug.length === 0 || slug.length > MAX_REPO_SLUG_CHARS)
    return `a repo slug has 1-${MAX_REPO_SLUG_CHARS} characters`;
  const parts = slug.split("/");
  if (parts.length > 2 || parts.some((p) => !SEGMENT.test(p) || p === "." || p === ".."))
    return "a repo slug is name or org/name, of letters, digits, _ . or -";
  return null;
}

/**
 * Why `path` is not an intelligence file path, or null. A relative path of at most 256
 * characters and 8 segments, each of letters, digits, `_`, `.` or `-` (no empty, `.` or `..`
 * segment, so nothing escapes the layer, and no backslash, drive letter or leading `/`), ending
 * in `.md`: the files are markdown that agents read.
 */
export function pathProblem(path: string): string | null {
  if (path.length === 0 || path.length > MAX_INTELLIGENCE_PATH_CHARS)
    return `a path has 1-${MAX_INTELLIGENCE_PATH_CHARS} characters`;
  if (path.startsWith("/") || path.includes("\\") || /^[A-Za-z]:/.test(path))
    return "a path is relative (no leading /, drive or \\)";
  const segments = path.split("/");
  if (segments.some((s) => s === "" || s === "." || s === "..")) return "a path has no empty, . or .. segments";
  if (segments.length > MAX_INTELLIGENCE_PATH_SEGMENTS)
    return `a path has at most ${MAX_INTELLIGENCE_PATH_SEGMENTS} segments`;
  if (segments.some((s) => !SEGMENT.test(s))) return "each path segment is letters, digits, _ . or -";
  if (!FILE_EXTENSION.test(path)) return "an intelligence file ends in .md";
  return null;
}

/** Size of `content` as stored (UTF-8). */
export function utf8Bytes(content: string): number {
  return new TextEncoder().encode(content).length;
}

export const layerName = z
  .string()
  .max(MAX_REPO_SLUG_CHARS + 5)
  .superRefine((layer, ctx) => {
    const problem = layerProblem(layer);
    if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
  });
export const filePath = z
  .string()
  .max(MAX_INTELLIGENCE_PATH_CHARS)
  .superRefine((path, ctx) => {
    const problem = pathProblem(path);
    if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
  });
/** File content: any text of at most MAX_INTELLIGENCE_FILE_BYTES in UTF-8. */
export const fileContent = z.string().refine((content) => utf8Bytes(content) <= MAX_INTELLIGENCE_FILE_BYTES, {
  message: `at most ${MAX_INTELLIGENCE_FILE_BYTES} bytes in UTF-8`,
});

const text = (max: number) => z.string().trim().min(1).max(max);

/** `POST /jobs/:jobId/runner/insights`: what a runner learned while running the job. */
export const runnerInsightBody = runnerRef.extend({
  phase: text(MAX_PHASE_CHARS),
  category: text(MAX_CATEGORY_CHARS),
  summary: text(MAX_SUMMARY_CHARS),
  detail: text(MAX_DETAIL_CHARS),
  suggestion: text(MAX_DETAIL_CHARS).optional(),
});

/**
 * `POST /jobs/:jobId/runner/proposals`: a change to one intelligence file, as the whole new
 * `content` or a unified diff `patch` (exactly one). `baseVersion` is the version the runner read:
 * with it, full content is applied only while the file is still at that version.
 */
export const runnerProposalBody = runnerRef
  .extend({
    layer: layerName.default(TENANT_LAYER),
    path: filePath,
    content: fileContent.optional(),
    patch: z.string().min(1).max(MAX_PATCH_CHARS).optional(),
    baseVersion: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    rationale: text(MAX_RATIONALE_CHARS),
  })
  .refine((b) => (b.content === undefined) !== (b.patch === undefined), "send the change as content or patch, once");

export const INSIGHT_STATUSES = ["pending", "approved", "rejected"] as const;
export type InsightStatus = (typeof INSIGHT_STATUSES)[number];
export const PROPOSAL_STATUSES = ["pending", "approved", "rejected"] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

const isoTime = z.string().refine((t) => !Number.isNaN(Date.parse(t)), "an ISO time");

/** An insight as every route answers it. */
export const insightSchema = z.looseObject({
  insightId: z.string(),
  jobId: z.string(),
  phase: z.string(),
  category: z.string(),
  summary: z.string(),
  detail: z.string(),
  suggestion: z.string().nullable(),
  status: z.enum(INSIGHT_STATUSES),
  createdBy: z.string(),
  createdAt: isoTime,
  editedBy: z.string().nullable(),
  editedAt: isoTime.nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: isoTime.nullable(),
});
export type Insight = z.infer<typeof insightSchema>;
export const runnerInsightAnswer = z.looseObject({ insight: insightSchema });

/** A proposal as every route answers it (`content` and `patch` only where the route says). */
export const proposalSchema = z.looseObject({
  proposalId: z.string(),
  kind: z.literal("intelligence"),
  layer: z.string(),
  path: z.string(),
  change: z.enum(["content", "patch"]),
  baseVersion: z.number().int().nullable(),
  rationale: z.string(),
  sourceJobId: z.string(),
  proposedBy: z.string(),
  status: z.enum(PROPOSAL_STATUSES),
  createdAt: isoTime,
  decidedBy: z.string().nullable(),
  decidedAt: isoTime.nullable(),
  note: z.string().nullable(),
  appliedVersion: z.number().int().nullable(),
});
export type Proposal = z.infer<typeof proposalSchema>;
export const runnerProposalAnswer = z.looseObject({ proposal: proposalSchema });

/*
 * The team's runner configuration (`GET|PUT /config`). Everything in it is visible to every
 * member and runner of the team, so it holds no secrets: values of env variables and headers
 * whose names look secret must be `${NAME}` references, resolved from the runner's own
 * environment.
 */
export const MAX_CONFIG_BYTES = 64 * 1024;
const KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;
const SECRET_LOOKING = /token|secret|password|passwd|key|auth|credential|cookie/i;
const shortText = z.string().min(1).max(1_000);

function keyedRecord<V extends z.ZodType>(key: RegExp, value: V, max: number, what: string) {
  return z
    .record(z.string().regex(key, `${what}: ${key.source}`), value)
    .refine((r) => Object.keys(r).length <= max, `at most ${max} ${what}s`);
}

/** Env variables or headers: a name that looks secret must take a `${NAME}` reference. */
function noClearSecrets(key: RegExp, what: string) {
  return keyedRecord(key, z.string().max(4_000), 50, what).superRefine((values, ctx) => {
    for (const [name, value] of Object.entries(values))
      if (SECRET_LOOKING.test(name) && !REFERENCE.test(value))
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `${name} looks secret: give it as a \${NAME} reference to the runner's environment, not in clear`,
        });
  });
}

export const mcpServerSchema = z.union([
  z
    .object({
      type: z.literal("stdio").optional(),
      command: shortText,
      args: z.array(z.string().max(4_000)).max(100).optional(),
      env: noClearSecrets(ENV_NAME, "env variable").optional(),
    })
    .strict(),
  z
    .object({
      type: z.enum(["http", "sse"]),
      url: z.url({ protocol: /^https?$/ }).max(2_000),
      headers: noClearSecrets(/^[A-Za-z0-9-]{1,128}$/, "header").optional(),
    })
    .strict(),
]);

export const runnerConfigSchema = z
  .object({
    llm: z
      .object({
        defaultProvider: shortText.optional(),
        defaultModel: shortText.optional(),
        /** Tier names (`planning`, `coding`, …) to model ids. */
        aliases: keyedRecord(KEY, shortText, 50, "alias").optional(),
      })
      .strict()
      .optional(),
    claudeCode: z
      .object({
        model: shortText.optional(),
        allowedTools: z.array(z.string().min(1).max(200)).max(200).optional(),
        /** Claude Code's `.mcp.json` `mcpServers`, as `GET /config/claude-code-mcps` hands them out. */
        mcpServers: keyedRecord(KEY, mcpServerSchema, 50, "MCP server").optional(),
      })
      .strict()
      .optional(),
    /** Per plugin: whether it is on and its settings (storable JSON, no secrets). */
    plugins: keyedRecord(
      KEY,
      z.object({ enabled: z.boolean().default(true), settings: storableObject.optional() }).strict(),
      50,
      "plugin",
    ).optional(),
    /** Which intelligence layers agents read, in order (default: tenant, then the job's repo). */
    intelligence: z
      .object({ layers: z.array(layerName).max(20).optional() })
      .strict()
      .optional(),
  })
  .strict();
export type RunnerConfig = z.infer<typeof runnerConfigSchema>;

/** `GET /config` (and `PUT`'s answer). Version 0 is the empty configuration nobody has saved. */
export const runnerConfigAnswer = z.looseObject({
  version: z.number().int().min(0),
  config: z.record(z.string(), z.unknown()),
  updatedAt: isoTime.nullable(),
  updatedBy: z.string().nullable(),
});
