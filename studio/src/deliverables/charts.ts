/**
 * A small chart renderer: chart specs in, an SVG element tree out. It is pure (no DOM, no
 * framework) so its geometry is unit-tested in Node; `Chart.tsx` turns the tree into elements.
 * Every string from the spec ends up as a text node or a `<title>`, never as markup, so a
 * runner's labels cannot inject anything.
 */
import type { BarLikeChart, ChartSpec, PieChart, ScatterChart } from "./types";

export type SvgChild = SvgNode | string;

export interface SvgNode {
  tag: "svg" | "g" | "rect" | "line" | "path" | "circle" | "text" | "title";
  attrs: Record<string, string | number>;
  children: SvgChild[];
}

export interface LegendEntry {
  name: string;
  color: string;
  /** Pie: the segment's value and share, in words. */
  detail?: string;
}

export interface ChartDrawing {
  svg: SvgNode;
  legend: LegendEntry[];
}

/**
 * The drawing's coordinate space. The Studio draws at its container's width, so text keeps its
 * size on a phone instead of shrinking with a scaled-down picture; the viewBox still lets the
 * element scale between re-draws.
 */
export interface ChartSize {
  width: number;
  height: number;
}
export const DEFAULT_CHART_SIZE: ChartSize = { width: 640, height: 320 };
const MIN_CHART_WIDTH = 260;
const MIN_CHART_HEIGHT = 220;
const MAX_CHART_HEIGHT = 320;

/** The size to draw at for a container this wide: about 2:1, never too short to read. */
export function chartSizeFor(containerWidth: number): ChartSize {
  const width = Math.max(MIN_CHART_WIDTH, Math.round(containerWidth));
  return { width, height: Math.round(Math.min(MAX_CHART_HEIGHT, Math.max(MIN_CHART_HEIGHT, width * 0.5))) };
}

const MARGIN = { top: 16, right: 16, bottom: 44, left: 56 };
/** Horizontal bars put their labels on the left, so they get more room there. */
const HORIZONTAL_LEFT = 120;
/** About this many value-axis ticks. */
const TICK_TARGET = 5;
/**
 * Room one category label needs along an axis (x: by its length at ~7 px a character, within
 * bounds); labels that would crowd are skipped, and every mark's tooltip still names its label.
 */
const LABEL_CHAR_PX = 7;
const LABEL_SPACING_X = { min: 28, max: 104 };
const LABEL_SPACING_Y = 18;
const AXIS_LABEL_CHARS = 14;
/** Share of a band the bars of one category fill (the rest is the gap between categories). */
const BAND_FILL = 0.8;
/** Inset of the first and last point of a line from the plot's edges. */
const LINE_INSET = 16;
/** Pie slices smaller than this share get no label on the slice (the legend has it). */
const PIE_LABEL_MIN_SHARE = 0.06;

/** Eight colours that stay apart for common colour-vision deficiencies (Okabe–Ito based). */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#D55E00",
  "#CC79A7",
  "#56B4E9",
  "#8C6D00",
  "#555555",
] as const;

export function colorAt(index: number): string {
  return PALETTE[index % PALETTE.length] ?? "#0072B2";
}

function el(tag: SvgNode["tag"], attrs: SvgNode["attrs"], ...children: SvgChild[]): SvgNode {
  return { tag, attrs, children };
}

const plain = new Intl.NumberFormat("en", { maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

/** Values as people read them: exact when short, 12.3K style when long. */
export function formatValue(value: number): string {
  return Math.abs(value) >= 10_000 ? compact.format(value) : plain.format(value);
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Rounds away float noise (0.1 + 0.2) so tick labels read cleanly. */
function clean(value: number): number {
  return Number(value.toPrecision(12));
}

function niceNumber(x: number, round: boolean): number {
  const exponent = Math.floor(Math.log10(x));
  const fraction = x / 10 ** exponent;
  let nice: number;
  if (round) nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  else nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * 10 ** exponent;
}

export interface Ticks {
  min: number;
  max: number;
  values: number[];
}

/** Round-number axis bounds and ticks covering [min, max] (Heckbert's "nice numbers"). */
export function niceTicks(min: number, max: number, target = TICK_TARGET): Ticks {
  let lo = Math.min(min, max);
  let hi = Math.max(min, max);
  if (lo === hi) {
    // One value: give it room on both sides (or above, for zero).
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo = lo === 0 ? 0 : lo - pad;
    hi = hi + pad;
  }
  const step = niceNumber(niceNumber(hi - lo, false) / Math.max(1, target - 1), true);
  const niceMin = clean(Math.floor(lo / step) * step);
  const niceMax = clean(Math.ceil(hi / step) * step);
  const values: number[] = [];
  for (let i = 0; ; i++) {
    const v = clean(niceMin + i * step);
    if (v > niceMax + step / 2) break;
    values.push(v);
  }
  return { min: niceMin, max: niceMax, values };
}

/** Maps [d0, d1] onto [r0, r1]. */
function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 === 0 ? 1 : d1 - d0;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

/** Every k-th label, so that labels get `spacing` of room each along `length`. */
function labelStride(count: number, length: number, spacing: number): number {
  const fit = Math.max(1, Math.floor(length / spacing));
  return Math.max(1, Math.ceil(count / fit));
}

function frame(size: ChartSize, title: string, children: SvgChild[]): SvgNode {
  return el(
    "svg",
    {
      viewBox: `0 0 ${size.width} ${size.height}`,
      role: "img",
      "aria-label": title,
      class: "chart-svg",
      "font-size": 12,
      "font-family": "system-ui, sans-serif",
    },
    el("title", {}, title),
    ...children,
  );
}

/** Horizontal grid lines with value labels on the left (or vertical ones, labelled below). */
function valueGrid(
  size: ChartSize,
  ticks: Ticks,
  scale: (v: number) => number,
  axis: "y" | "x",
  left: number,
): SvgNode {
  const lines: SvgNode[] = ticks.values.map((t) => {
    const p = round2(scale(t));
    return axis === "y"
      ? el(
          "g",
          { class: "tick" },
          el("line", {
            x1: left,
            x2: size.width - MARGIN.right,
            y1: p,
            y2: p,
            stroke: "#d0d4da",
            "stroke-width": t === 0 ? 1.5 : 1,
          }),
          el("text", { x: left - 6, y: p + 4, "text-anchor": "end", fill: "#4a5160" }, formatValue(t)),
        )
      : el(
          "g",
          { class: "tick" },
          el("line", {
            x1: p,
            x2: p,
            y1: MARGIN.top,
            y2: size.height - MARGIN.bottom,
            stroke: "#d0d4da",
            "stroke-width": t === 0 ? 1.5 : 1,
          }),
          el(
            "text",
            { x: p, y: size.height - MARGIN.bottom + 16, "text-anchor": "middle", fill: "#4a5160" },
            formatValue(t),
          ),
        );
  });
  return el("g", { class: "grid" }, ...lines);
}

function categoryLabels(
  size: ChartSize,
  labels: string[],
  position: (i: number) => number,
  axis: "x" | "y",
  left: number,
): SvgNode {
  const longest = Math.min(AXIS_LABEL_CHARS, Math.max(...labels.map((l) => l.length)));
  const spacingX = Math.min(LABEL_SPACING_X.max, Math.max(LABEL_SPACING_X.min, longest * LABEL_CHAR_PX + 12));
  const stride =
    axis === "x"
      ? labelStride(labels.length, size.width - left - MARGIN.right, spacingX)
      : labelStride(labels.length, size.height - MARGIN.top - MARGIN.bottom, LABEL_SPACING_Y);
  const texts: SvgNode[] = [];
  labels.forEach((label, i) => {
    if (i % stride !== 0) return;
    const p = round2(position(i));
    texts.push(
      axis === "x"
        ? el(
            "text",
            { x: p, y: size.height - MARGIN.bottom + 18, "text-anchor": "middle", fill: "#2b303a" },
            truncate(label, AXIS_LABEL_CHARS),
          )
        : el(
            "text",
            { x: left - 8, y: p + 4, "text-anchor": "end", fill: "#2b303a" },
            truncate(label, AXIS_LABEL_CHARS + 2),
          ),
    );
  });
  return el("g", { class: "categories" }, ...texts);
}

function seriesLegend(series: { name: string }[]): LegendEntry[] {
  return series.map((s, i) => ({ name: s.name, color: colorAt(i) }));
}

function barChart(chart: BarLikeChart, title: string, size: ChartSize): ChartDrawing {
  const stacked = chart.kind === "stacked_bar";
  const horizontal = chart.orientation === "horizontal";
  const n = chart.labels.length;
  const totals = chart.labels.map((_, i) => chart.series.reduce((sum, s) => sum + Math.max(0, s.values[i] ?? 0), 0));
  const all = chart.series.flatMap((s) => s.values);
  const ticks = stacked ? niceTicks(0, Math.max(0, ...totals)) : niceTicks(Math.min(0, ...all), Math.max(0, ...all));
  const left = horizontal ? HORIZONTAL_LEFT : MARGIN.left;
  const plotTop = MARGIN.top;
  const plotBottom = size.height - MARGIN.bottom;
  const plotRight = size.width - MARGIN.right;
  // Category axis along x (vertical bars) or y (horizontal bars); value axis the other way.
  const catStart = horizontal ? plotTop : left;
  const catEnd = horizontal ? plotBottom : plotRight;
  const band = (catEnd - catStart) / n;
  const value = horizontal
    ? linear(ticks.min, ticks.max, left, plotRight)
    : linear(ticks.min, ticks.max, plotBottom, plotTop);
  const groupWidth = band * BAND_FILL;
  const barWidth = stacked ? groupWidth : groupWidth / chart.series.length;
  const bars: SvgNode[] = [];
  chart.labels.forEach((label, i) => {
    let stackBase = 0;
    chart.series.forEach((s, si) => {
      const v = s.values[i] ?? 0;
      const from = stacked ? stackBase : 0;
      const to = stacked ? stackBase + v : v;
      if (stacked) stackBase = to;
      const a = value(from);
      const b = value(to);
      const catPos = catStart + i * band + (band - groupWidth) / 2 + (stacked ? 0 : si * barWidth);
      const rect = horizontal
        ? { x: round2(Math.min(a, b)), y: round2(catPos), width: round2(Math.abs(b - a)), height: round2(barWidth) }
        : { x: round2(catPos), y: round2(Math.min(a, b)), width: round2(barWidth), height: round2(Math.abs(b - a)) };
      bars.push(
        el(
          "rect",
          { ...rect, fill: colorAt(si), class: "mark" },
          el("title", {}, `${s.name} — ${label}: ${formatValue(v)}`),
        ),
      );
    });
  });
  const catCenter = (i: number) => catStart + i * band + band / 2;
  return {
    svg: frame(size, title, [
      valueGrid(size, ticks, value, horizontal ? "x" : "y", left),
      el("g", { class: "marks" }, ...bars),
      categoryLabels(size, chart.labels, catCenter, horizontal ? "y" : "x", left),
    ]),
    legend: seriesLegend(chart.series),
  };
}

function lineChart(chart: BarLikeChart, title: string, size: ChartSize): ChartDrawing {
  const area = chart.kind === "area";
  const n = chart.labels.length;
  const all = chart.series.flatMap((s) => s.values);
  // Areas are filled down to zero, so zero must be on the axis; lines show their own range.
  const ticks = area
    ? niceTicks(Math.min(0, ...all), Math.max(0, ...all))
    : niceTicks(Math.min(...all), Math.max(...all));
  const left = MARGIN.left;
  const plotRight = size.width - MARGIN.right;
  const plotBottom = size.height - MARGIN.bottom;
  const y = linear(ticks.min, ticks.max, plotBottom, MARGIN.top);
  const x = (i: number) =>
    n === 1 ? (left + plotRight) / 2 : left + LINE_INSET + (i * (plotRight - left - 2 * LINE_INSET)) / (n - 1);
  const baseline = round2(y(Math.max(ticks.min, Math.min(0, ticks.max))));
  const groups: SvgNode[] = chart.series.map((s, si) => {
    const color = colorAt(si);
    const points = s.values.map((v, i) => [round2(x(i)), round2(y(v))] as const);
    const line = points.map(([px, py], i) => `${i === 0 ? "M" : "L"}${px} ${py}`).join(" ");
    const first = points[0];
    const last = points[points.length - 1];
    const children: SvgNode[] = [];
    if (area && first !== undefined && last !== undefined) {
      children.push(
        el("path", {
          d: `${line} L${last[0]} ${baseline} L${first[0]} ${baseline} Z`,
          fill: color,
          "fill-opacity": 0.22,
          stroke: "none",
          class: "area",
        }),
      );
    }
    children.push(
      el("path", {
        d: line,
        fill: "none",
        stroke: color,
        "stroke-width": 2.5,
        "stroke-linejoin": "round",
        class: "line",
      }),
    );
    points.forEach(([px, py], i) => {
      children.push(
        el(
          "circle",
          { cx: px, cy: py, r: 3.5, fill: color, class: "mark" },
          el("title", {}, `${s.name} — ${chart.labels[i] ?? ""}: ${formatValue(s.values[i] ?? 0)}`),
        ),
      );
    });
    return el("g", { class: "series" }, ...children);
  });
  return {
    svg: frame(size, title, [
      valueGrid(size, ticks, y, "y", left),
      ...groups,
      categoryLabels(size, chart.labels, x, "x", left),
    ]),
    legend: seriesLegend(chart.series),
  };
}

function scatterChart(chart: ScatterChart, title: string, size: ChartSize): ChartDrawing {
  const points = chart.series.flatMap((s) => s.points);
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const xTicks = niceTicks(Math.min(...xs), Math.max(...xs));
  const yTicks = niceTicks(Math.min(...ys), Math.max(...ys));
  const left = MARGIN.left;
  const x = linear(xTicks.min, xTicks.max, left, size.width - MARGIN.right);
  const y = linear(yTicks.min, yTicks.max, size.height - MARGIN.bottom, MARGIN.top);
  const groups = chart.series.map((s, si) =>
    el(
      "g",
      { class: "series" },
      ...s.points.map((p) =>
        el(
          "circle",
          { cx: round2(x(p.x)), cy: round2(y(p.y)), r: 4.5, fill: colorAt(si), "fill-opacity": 0.85, class: "mark" },
          el(
            "title",
            {},
            `${s.name}${p.label === undefined ? "" : ` — ${p.label}`}: (${formatValue(p.x)}, ${formatValue(p.y)})`,
          ),
        ),
      ),
    ),
  );
  return {
    svg: frame(size, title, [valueGrid(size, yTicks, y, "y", left), valueGrid(size, xTicks, x, "x", left), ...groups]),
    legend: seriesLegend(chart.series),
  };
}

function pieChart(chart: PieChart, title: string, size: ChartSize): ChartDrawing {
  // A pie shows shares of a whole, so only positive values have a slice; the legend says so.
  const total = chart.segments.reduce((sum, s) => sum + Math.max(0, s.value), 0);
  const cx = size.width / 2;
  const cy = size.height / 2;
  const r = size.height / 2 - MARGIN.top;
  const legend: LegendEntry[] = chart.segments.map((s, i) => ({
    name: s.label,
    color: colorAt(i),
    detail:
      s.value > 0 && total > 0
        ? `${formatValue(s.value)} (${Math.round((s.value / total) * 1000) / 10}%)`
        : `${formatValue(s.value)} (not drawn)`,
  }));
  if (total <= 0) {
    return {
      svg: frame(size, title, [
        el("text", { x: cx, y: cy, "text-anchor": "middle", fill: "#4a5160" }, "Nothing to draw: no positive values"),
      ]),
      legend,
    };
  }
  const slices: SvgNode[] = [];
  const labels: SvgNode[] = [];
  let angle = -Math.PI / 2; // start at twelve o'clock, go clockwise
  chart.segments.forEach((s, i) => {
    if (s.value <= 0) return;
    const share = s.value / total;
    const tip = `${s.label}: ${formatValue(s.value)} (${Math.round(share * 1000) / 10}%)`;
    if (share >= 1) {
      slices.push(el("circle", { cx, cy, r, fill: colorAt(i), class: "mark" }, el("title", {}, tip)));
    } else {
      const end = angle + share * 2 * Math.PI;
      const x0 = round2(cx + r * Math.cos(angle));
      const y0 = round2(cy + r * Math.sin(angle));
      const x1 = round2(cx + r * Math.cos(end));
      const y1 = round2(cy + r * Math.sin(end));
      const large = share > 0.5 ? 1 : 0;
      slices.push(
        el(
          "path",
          {
            d: `M${cx} ${cy} L${x0} ${y0} A${r} ${r} 0 ${large} 1 ${x1} ${y1} Z`,
            fill: colorAt(i),
            stroke: "#fff",
            "stroke-width": 1.5,
            class: "mark",
          },
          el("title", {}, tip),
        ),
      );
    }
    if (share >= PIE_LABEL_MIN_SHARE) {
      const mid = angle + share * Math.PI;
      const lr = share >= 1 ? 0 : r * 0.62;
      labels.push(
        el(
          "text",
          {
            x: round2(cx + lr * Math.cos(mid)),
            y: round2(cy + lr * Math.sin(mid) + 4),
            "text-anchor": "middle",
            fill: "#fff",
            "font-weight": 600,
          },
          `${Math.round(share * 100)}%`,
        ),
      );
    }
    angle += share * 2 * Math.PI;
  });
  return {
    svg: frame(size, title, [el("g", { class: "slices" }, ...slices), el("g", { class: "slice-labels" }, ...labels)]),
    legend,
  };
}

const KIND_NAMES: Record<ChartSpec["kind"], string> = {
  bar: "Bar chart",
  stacked_bar: "Stacked bar chart",
  line: "Line chart",
  area: "Area chart",
  scatter: "Scatter chart",
  pie: "Pie chart",
};

/** The drawing for any chart kind the spec defines, at `size`. */
export function drawChart(chart: ChartSpec, size: ChartSize = DEFAULT_CHART_SIZE): ChartDrawing {
  const title = chart.title ?? KIND_NAMES[chart.kind];
  switch (chart.kind) {
    case "bar":
    case "stacked_bar":
      return barChart(chart, title, size);
    case "line":
    case "area":
      return lineChart(chart, title, size);
    case "scatter":
      return scatterChart(chart, title, size);
    case "pie":
      return pieChart(chart, title, size);
  }
}
