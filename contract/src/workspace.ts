/** The workspace runner API (seed 001): request schemas, limits and the answers a runner reads. */
import { z } from "zod";
import { idSchema, leaseWaitMs } from "./common";

/** Deliverable caps from spec/workspace-runner-api.md. */
export const CAPS = {
  files: 24,
  fileNameChars: 160,
  fileFolders: 4,
  fileSegmentChars: 48,
  fileContentChars: 48_000,
  charts: 12,
  chartTitleChars: 200,
  chartLabels: 32,
  labelChars: 128,
  chartSeries: 8,
  seriesNameChars: 64,
  scatterSeries: 6,
  scatterPoints: 48,
  pieSegments: 24,
  datasets: 8,
  datasetColumns: 12,
  datasetRows: 80,
  cellChars: 512,
  lists: 12,
  listItems: 48,
  itemChars: 512,
  checklists: 8,
  checklistItems: 64,
  checklistItemIdChars: 48,
  checklistLabelChars: 320,
  svgs: 8,
  svgChars: 64_000,
  assistantMessageChars: 100_000,
  /** Encoded size of one stored deliverable, under Firestore's 1 MiB document cap. */
  storedBytes: 900 * 1024,
} as const;

/**
 * Runner job-route bodies ignore fields they do not know (the public runner may send more as it
 * evolves); the fields they do know are checked strictly.
 */
export const workspaceRef = z.object({ workspaceId: idSchema });

/** Complete and fail may name the job (`workspace.jobId` of the lease answer): another job is refused. */
export const endingRef = workspaceRef.extend({ jobId: idSchema.optional() });

/** `POST /leaseWorkspaceJob`: `{}` answers at once (seed 001); `waitMs` waits for a job. */
export const workspaceLeaseBody = z.object({ waitMs: leaseWaitMs });

/** Largest completion body: every slice at its cap fits with room to spare. */
export const MAX_COMPLETION_BYTES = 8 * 1024 * 1024;

const slice = z.array(z.unknown()).optional().default([]);

/** The completion body (slices are checked in the core); exported for the reference runner's client. */
export const completionBody = endingRef.extend({
  assistantMessage: z.string().max(CAPS.assistantMessageChars),
  files: slice,
  charts: slice,
  datasets: slice,
  lists: slice,
  checklists: slice,
  svgs: slice,
});

/** Longest stored failure reason. */
export const MAX_ERROR_CHARS = 2_000;

/** The failure body; exported for the reference runner's client. */
export const failBody = endingRef.extend({ error: z.string().trim().min(1).max(MAX_ERROR_CHARS) });

/** Longest runner summary text. */
export const MAX_SUMMARY_CHARS = 50_000;

/** The summary body; exported for the reference runner's client. */
export const summaryBody = workspaceRef.extend({
  summaryText: z.string().trim().min(1).max(MAX_SUMMARY_CHARS),
  fromMessageId: idSchema,
  throughMessageId: idSchema,
});

/* Answers the runner reads. Loose objects: a field the server adds later passes through. */
export const workspaceLeaseAnswer = z.union([
  z.looseObject({ leased: z.literal(false) }),
  z.looseObject({
    leased: z.literal(true),
    workspaceId: idSchema,
    leaseExpiresAt: z.number(),
    workspace: z.record(z.string(), z.unknown()),
  }),
]);
export type WorkspaceLease = z.infer<typeof workspaceLeaseAnswer>;

export const contextMessageSchema = z.looseObject({
  id: z.string(),
  role: z.literal("user"),
  text: z.string(),
  subtitle: z.string().optional(),
  createdAtMs: z.number(),
});
export type ContextMessage = z.infer<typeof contextMessageSchema>;
/** `POST /getWorkspaceRunnerContext`: every field of spec/workspace-runner-api.md's context. */
export const workspaceContextSchema = z.looseObject({
  workspaceId: z.string(),
  title: z.string().nullable(),
  legacyIdea: z.string().nullable(),
  messageCount: z.number().int().min(0),
  recentMessages: z.array(contextMessageSchema),
  priorMessages: z.array(contextMessageSchema),
  recentText: z.string(),
  priorTextVerbatim: z.string(),
  recentTokenEstimate: z.number().int().min(0),
  priorTokenEstimate: z.number().int().min(0),
  priorNeedsSummarization: z.boolean(),
  storedPriorSummary: z
    .looseObject({ text: z.string(), fromMessageId: z.string(), throughMessageId: z.string() })
    .nullable(),
  storedSummaryCoversPrior: z.boolean(),
});
export type WorkspaceContext = z.infer<typeof workspaceContextSchema>;
export const workspaceHeartbeatAnswer = z.looseObject({ ok: z.literal(true), leaseExpiresAt: z.number() });
export type WorkspaceHeartbeat = z.infer<typeof workspaceHeartbeatAnswer>;
export const workspaceOkAnswer = z.looseObject({ ok: z.literal(true) });
export const workspaceCompleteAnswer = z.looseObject({
  ok: z.literal(true),
  messageId: z.string().optional(),
  duplicate: z.boolean().optional(),
});
