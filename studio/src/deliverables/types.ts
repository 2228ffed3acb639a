/**
 * The deliverable shapes of spec/workspace-runner-api.md, as the workspace view returns them, and
 * guards that turn the view's loosely typed `data` into them. The server validated every slice on
 * completion; the guards are here so that a shape this Studio does not know (an older or newer
 * server) shows a note instead of breaking the page.
 */

export interface BarLikeChart {
  kind: "bar" | "stacked_bar" | "line" | "area";
  id: string;
  title?: string;
  labels: string[];
  series: { name: string; values: number[] }[];
  /** Bars only: which way they grow. */
  orientation?: "vertical" | "horizontal";
}

export interface ScatterChart {
  kind: "scatter";
  id: string;
  title?: string;
  series: { name: string; points: { x: number; y: number; label?: string }[] }[];
}

export interface PieChart {
  kind: "pie";
  id: string;
  title?: string;
  segments: { label: string; value: number }[];
}

export type ChartSpec = BarLikeChart | ScatterChart | PieChart;

export interface TableSpec {
  id: string;
  title?: string;
  columns: string[];
  rows: string[][];
}

export interface ListSpec {
  id: string;
  title?: string;
  ordered?: boolean;
  items: string[];
}

export interface ChecklistSpec {
  id: string;
  title?: string;
  items: { id: string; label: string; checked: boolean }[];
}

export interface SvgSpec {
  id: string;
  title?: string;
  content: string;
}

/** Files carry no content in the view: it is downloaded from the files route. */
export interface FileSpec {
  name: string;
  size?: number;
}

export type DeliverableKind = "chart" | "table" | "list" | "checklist" | "svg" | "file";

export const DELIVERABLE_KINDS: readonly DeliverableKind[] = ["chart", "table", "file", "svg", "list", "checklist"];

/** One deliverable as `GET /api/workspaces/:id` lists it under its message. */
export interface DeliverableView {
  /** Document id: what the file download route takes. */
  deliverableId: string;
  kind: DeliverableKind;
  /** What `{{artifact:KIND:ID}}` names (files: their sanitised path). */
  id: string;
  order: number;
  data: unknown;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function optionalTitle(data: Json): { title?: string } {
  return typeof data.title === "string" && data.title.trim() !== "" ? { title: data.title } : {};
}

function idOf(data: Json): string {
  return typeof data.id === "string" ? data.id : "";
}

export function asChart(data: unknown): ChartSpec | null {
  if (!isObject(data)) return null;
  const base = { id: idOf(data), ...optionalTitle(data) };
  switch (data.kind) {
    case "bar":
    case "stacked_bar":
    case "line":
    case "area": {
      const labels = data.labels;
      const series = data.series;
      if (!isStringArray(labels) || labels.length === 0 || !Array.isArray(series) || series.length === 0) return null;
      const parsed: BarLikeChart["series"] = [];
      for (const s of series) {
        if (!isObject(s) || typeof s.name !== "string" || !Array.isArray(s.values)) return null;
        if (s.values.length !== labels.length || !s.values.every(isFiniteNumber)) return null;
        parsed.push({ name: s.name, values: s.values });
      }
      const orientation = data.orientation === "horizontal" ? "horizontal" : "vertical";
      return { ...base, kind: data.kind, labels, series: parsed, orientation };
    }
    case "scatter": {
      if (!Array.isArray(data.series) || data.series.length === 0) return null;
      const parsed: ScatterChart["series"] = [];
      for (const s of data.series) {
        if (!isObject(s) || typeof s.name !== "string" || !Array.isArray(s.points) || s.points.length === 0)
          return null;
        const points: ScatterChart["series"][number]["points"] = [];
        for (const p of s.points) {
          if (!isObject(p) || !isFiniteNumber(p.x) || !isFiniteNumber(p.y)) return null;
          points.push(typeof p.label === "string" ? { x: p.x, y: p.y, label: p.label } : { x: p.x, y: p.y });
        }
        parsed.push({ name: s.name, points });
      }
      return { ...base, kind: "scatter", series: parsed };
    }
    case "pie": {
      if (!Array.isArray(data.segments) || data.segments.length === 0) return null;
      const segments: PieChart["segments"] = [];
      for (const s of data.segments) {
        if (!isObject(s) || typeof s.label !== "string" || !isFiniteNumber(s.value)) return null;
        segments.push({ label: s.label, value: s.value });
      }
      return { ...base, kind: "pie", segments };
    }
    default:
      return null;
  }
}

export function asTable(data: unknown): TableSpec | null {
  if (!isObject(data) || !isStringArray(data.columns) || !Array.isArray(data.rows)) return null;
  const columns = data.columns;
  if (!data.rows.every((row) => isStringArray(row) && row.length === columns.length)) return null;
  return { id: idOf(data), ...optionalTitle(data), columns, rows: data.rows as string[][] };
}

export function asList(data: unknown): ListSpec | null {
  if (!isObject(data) || !isStringArray(data.items)) return null;
  return { id: idOf(data), ...optionalTitle(data), ordered: data.ordered === true, items: data.items };
}

export function asChecklist(data: unknown): ChecklistSpec | null {
  if (!isObject(data) || !Array.isArray(data.items)) return null;
  const items: ChecklistSpec["items"] = [];
  for (const item of data.items) {
    if (!isObject(item) || typeof item.label !== "string") return null;
    items.push({
      id: typeof item.id === "string" ? item.id : String(items.length),
      label: item.label,
      checked: item.checked === true,
    });
  }
  return { id: idOf(data), ...optionalTitle(data), items };
}

export function asSvg(data: unknown): SvgSpec | null {
  if (!isObject(data) || typeof data.content !== "string") return null;
  return { id: idOf(data), ...optionalTitle(data), content: data.content };
}

export function asFile(data: unknown): FileSpec | null {
  if (!isObject(data) || typeof data.name !== "string") return null;
  return isFiniteNumber(data.size) ? { name: data.name, size: data.size } : { name: data.name };
}
