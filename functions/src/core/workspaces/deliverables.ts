import { z } from "zod";
import { CAPS } from "../../../../contract/src/workspace";
import { sanitizeSvg } from "../markup/sanitizeMarkup";

/**
 * Deliverable shapes from spec/workspace-runner-api.md (caps in the wire contract). Strings are
 * trimmed; a slice that breaks any rule fails the whole completion with 400 naming the slice.
 */
export { CAPS };

const id = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "ids are 1–64 chars of [A-Za-z0-9_-]");
const title = z.string().trim().max(CAPS.chartTitleChars).optional();
const label = z.string().trim().max(CAPS.labelChars);
const finite = z.number().finite();

/** `folder/name.md`: up to 4 folders, segments sanitised to [A-Za-z0-9._-] and ≤ 48 chars. */
export function sanitiseFileName(raw: string): string | { error: string } {
  const name = raw.trim();
  if (name.length < 1 || name.length > CAPS.fileNameChars)
    return { error: `name must be 1–${CAPS.fileNameChars} chars` };
  const segments = name.split("/").map((segment) => segment.trim().replace(/[^A-Za-z0-9._-]+/g, "_"));
  if (segments.length > CAPS.fileFolders + 1) return { error: `at most ${CAPS.fileFolders} folders` };
  for (const segment of segments) {
    if (segment.length === 0 || segment === "." || segment === "..")
      return { error: "empty, '.' or '..' path segment" };
    if (segment.length > CAPS.fileSegmentChars)
      return { error: `path segments are at most ${CAPS.fileSegmentChars} chars` };
  }
  const path = segments.join("/");
  if (!/\.(md|txt)$/.test(path)) return { error: "name must end in .md or .txt" };
  return path;
}

const file = z
  .object({ name: z.string(), content: z.string().trim().min(1).max(CAPS.fileContentChars) })
  .transform((value, ctx) => {
    const name = sanitiseFileName(value.name);
    if (typeof name !== "string") {
      ctx.addIssue({ code: "custom", path: ["name"], message: name.error });
      return z.NEVER;
    }
    return { name, content: value.content };
  });

const labels = z.array(label.min(1)).min(1).max(CAPS.chartLabels);
const series = z
  .array(z.object({ name: z.string().trim().min(1).max(CAPS.seriesNameChars), values: z.array(finite) }))
  .min(1)
  .max(CAPS.chartSeries);
const orientation = z.enum(["vertical", "horizontal"]).optional();

function valuesMatchLabels(chart: { labels: string[]; series: { values: number[] }[] }, ctx: z.RefinementCtx) {
  chart.series.forEach((s, i) => {
    if (s.values.length !== chart.labels.length) {
      ctx.addIssue({ code: "custom", path: ["series", i, "values"], message: "one value per label" });
    }
  });
}

const barLike = z.object({ id, title, labels, series, orientation }).strict();
const chart = z.discriminatedUnion("kind", [
  barLike.extend({ kind: z.literal("bar") }).superRefine(valuesMatchLabels),
  barLike
    .extend({ kind: z.literal("stacked_bar") })
    .superRefine(valuesMatchLabels)
    .superRefine((c, ctx) => {
      if (c.series.some((s) => s.values.some((v) => v < 0)))
        ctx.addIssue({ code: "custom", path: ["series"], message: "stacked values must be ≥ 0" });
    }),
  z
    .object({ id, title, kind: z.literal("line"), labels, series })
    .strict()
    .superRefine(valuesMatchLabels),
  z
    .object({ id, title, kind: z.literal("area"), labels, series })
    .strict()
    .superRefine(valuesMatchLabels),
  z
    .object({
      id,
      title,
      kind: z.literal("scatter"),
      series: z
        .array(
          z.object({
            name: z.string().trim().min(1).max(CAPS.seriesNameChars),
            points: z
              .array(z.object({ x: finite, y: finite, label: label.optional() }))
              .min(1)
              .max(CAPS.scatterPoints),
          }),
        )
        .min(1)
        .max(CAPS.scatterSeries),
    })
    .strict(),
  z
    .object({
      id,
      title,
      kind: z.literal("pie"),
      segments: z
        .array(z.object({ label: label.min(1), value: finite }))
        .min(1)
        .max(CAPS.pieSegments),
    })
    .strict(),
]);

const dataset = z
  .object({
    id,
    kind: z.literal("table"),
    title,
    columns: z.array(z.string().trim().min(1).max(64)).min(1).max(CAPS.datasetColumns),
    rows: z.array(z.array(z.string().max(CAPS.cellChars))).max(CAPS.datasetRows),
  })
  .strict()
  .superRefine((t, ctx) => {
    t.rows.forEach((row, i) => {
      if (row.length !== t.columns.length)
        ctx.addIssue({ code: "custom", path: ["rows", i], message: "one cell per column" });
    });
  });

const list = z
  .object({
    id,
    kind: z.literal("list"),
    title,
    ordered: z.boolean().optional(),
    items: z.array(z.string().trim().min(1).max(CAPS.itemChars)).min(1).max(CAPS.listItems),
  })
  .strict();

const checklist = z
  .object({
    id,
    kind: z.literal("checklist"),
    title,
    items: z
      .array(
        z.object({
          id: z.string().trim().min(1).max(CAPS.checklistItemIdChars),
          label: z.string().trim().min(1).max(CAPS.checklistLabelChars),
          checked: z.boolean(),
        }),
      )
      .min(1)
      .max(CAPS.checklistItems),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.items.forEach((item, i) => {
      const key = item.id.toLowerCase();
      if (seen.has(key))
        ctx.addIssue({
          code: "custom",
          path: ["items", i, "id"],
          message: "item ids must be unique (case-insensitively)",
        });
      seen.add(key);
    });
  });

/**
 * An SVG is sanitised with the shared allow-list (`core/markup`) and only the result is stored:
 * what a client reads back can no longer run script, restyle the page or load anything.
 */
const svg = z
  .object({ id, title, content: z.string().trim().max(CAPS.svgChars) })
  .strict()
  .transform((s, ctx) => {
    const content = sanitizeSvg(s.content).trim();
    if (!/^<svg[\s>]/i.test(content)) {
      ctx.addIssue({ code: "custom", path: ["content"], message: "content must be an <svg> drawing" });
      return z.NEVER;
    }
    return { ...s, content };
  });

/** Each slice, its schema and its cap, in the order the spec lists them. */
export const SLICES = {
  files: z.array(file).max(CAPS.files),
  charts: z.array(chart).max(CAPS.charts),
  datasets: z.array(dataset).max(CAPS.datasets),
  lists: z.array(list).max(CAPS.lists),
  checklists: z.array(checklist).max(CAPS.checklists),
  svgs: z.array(svg).max(CAPS.svgs),
} as const;

export type SliceName = keyof typeof SLICES;
export type Deliverables = { [K in SliceName]: z.infer<(typeof SLICES)[K]> };

export type SliceCheck =
  | { ok: true; value: Deliverables }
  | { ok: false; slice: SliceName; reason: string; issues: { path: string; message: string }[] };

/** Validates every slice; the first bad one is named in the answer. */
export function validateDeliverables(input: Record<SliceName, unknown>): SliceCheck {
  const out: Partial<Deliverables> = {};
  for (const name of Object.keys(SLICES) as SliceName[]) {
    const result = SLICES[name].safeParse(input[name]);
    if (!result.success) {
      const issues = result.error.issues
        .slice(0, 10)
        .map((i) => ({ path: [name, ...i.path.map(String)].join("."), message: i.message }));
      return { ok: false, slice: name, reason: issues[0]?.message ?? "invalid", issues };
    }
    (out as Record<SliceName, unknown>)[name] = result.data;
    for (const [i, item] of (result.data as unknown[]).entries()) {
      if (Buffer.byteLength(JSON.stringify(item), "utf8") > CAPS.storedBytes) {
        return {
          ok: false,
          slice: name,
          reason: `item ${i} is larger than ${CAPS.storedBytes} bytes encoded`,
          issues: [],
        };
      }
    }
  }
  return { ok: true, value: out as Deliverables };
}
