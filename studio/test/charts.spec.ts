import assert from "node:assert/strict";
import {
  chartSizeFor,
  DEFAULT_CHART_SIZE,
  drawChart,
  formatValue,
  niceTicks,
  PALETTE,
  type ChartSize,
  type SvgChild,
  type SvgNode,
} from "../src/deliverables/charts";
import { asChart } from "../src/deliverables/types";

/** Every element of a drawing with a given class (marks are what the data drew). */
function find(node: SvgChild, predicate: (n: SvgNode) => boolean, out: SvgNode[] = []): SvgNode[] {
  if (typeof node === "string") return out;
  if (predicate(node)) out.push(node);
  for (const child of node.children) find(child, predicate, out);
  return out;
}

const marks = (node: SvgNode) => find(node, (n) => n.attrs.class === "mark");
const num = (n: SvgNode, attr: string) => Number(n.attrs[attr]);
const titleOf = (n: SvgNode) => {
  const t = n.children.find((c): c is SvgNode => typeof c !== "string" && c.tag === "title");
  return (t?.children ?? []).filter((c): c is string => typeof c === "string").join("");
};

function inside(n: SvgNode, size: ChartSize = DEFAULT_CHART_SIZE) {
  for (const [a, limit] of [
    ["x", size.width],
    ["cx", size.width],
    ["y", size.height],
    ["cy", size.height],
  ] as const) {
    if (n.attrs[a] !== undefined) {
      assert.ok(num(n, a) >= 0 && num(n, a) <= limit, `${a}=${n.attrs[a]} outside the drawing`);
    }
  }
}

describe("studio chart renderer", () => {
  describe("niceTicks", () => {
    it("covers the range with round steps", () => {
      const t = niceTicks(0, 14);
      assert.equal(t.min, 0);
      assert.ok(t.max >= 14);
      assert.deepEqual(t.values.slice(0, 3), [0, 5, 10]);
      const steps = t.values.slice(1).map((v, i) => v - (t.values[i] ?? 0));
      assert.ok(
        steps.every((s) => s === steps[0]),
        "evenly spaced",
      );
    });

    it("handles negatives, a single value and float noise", () => {
      const neg = niceTicks(-7, 3);
      assert.ok(neg.min <= -7 && neg.max >= 3 && neg.values.includes(0));
      const one = niceTicks(5, 5);
      assert.ok(one.min < 5 && one.max > 5);
      const zero = niceTicks(0, 0);
      assert.deepEqual([zero.min, zero.max > 0], [0, true]);
      const small = niceTicks(0.1, 0.3);
      assert.ok(
        small.values.every((v) => String(v).length < 8),
        `clean labels: ${small.values.join(",")}`,
      );
    });
  });

  it("draws one bar per value, grouped, with tooltips naming series, label and value", () => {
    const chart = asChart({
      kind: "bar",
      id: "r",
      title: "Revenue",
      labels: ["Q1", "Q2", "Q3"],
      series: [
        { name: "2025", values: [10, 14, 0] },
        { name: "2026", values: [12, 20, 5] },
      ],
    });
    assert.ok(chart);
    const drawing = drawChart(chart);
    const bars = marks(drawing.svg);
    assert.equal(bars.length, 6);
    assert.ok(bars.every((b) => b.tag === "rect"));
    bars.forEach((b) => inside(b));
    assert.equal(titleOf(bars[1] ?? drawing.svg), "2026 — Q1: 12");
    // Taller value, taller bar; same baseline.
    const [q1a, q1b] = [bars[0], bars[1]];
    assert.ok(q1a && q1b && num(q1b, "height") > num(q1a, "height"));
    assert.equal(num(q1a, "y") + num(q1a, "height"), num(q1b, "y") + num(q1b, "height"));
    assert.deepEqual(
      drawing.legend.map((l) => [l.name, l.color]),
      [
        ["2025", PALETTE[0]],
        ["2026", PALETTE[1]],
      ],
    );
    assert.equal(drawing.svg.attrs["aria-label"], "Revenue");
  });

  it("draws negative bars below the zero line", () => {
    const chart = asChart({ kind: "bar", id: "p", labels: ["a", "b"], series: [{ name: "s", values: [5, -5] }] });
    assert.ok(chart);
    const [up, down] = marks(drawChart(chart).svg);
    assert.ok(up && down);
    assert.equal(num(up, "y") + num(up, "height"), num(down, "y"), "both start at zero");
  });

  it("stacks series on each other and lays horizontal bars along x", () => {
    const stacked = asChart({
      kind: "stacked_bar",
      id: "s",
      labels: ["a"],
      series: [
        { name: "x", values: [2] },
        { name: "y", values: [3] },
      ],
    });
    assert.ok(stacked);
    const [low, high] = marks(drawChart(stacked).svg);
    assert.ok(low && high);
    assert.equal(num(low, "x"), num(high, "x"));
    assert.equal(num(high, "y") + num(high, "height"), num(low, "y"), "the second sits on the first");
    const horizontal = asChart({
      kind: "bar",
      id: "h",
      orientation: "horizontal",
      labels: ["a", "b"],
      series: [{ name: "x", values: [1, 2] }],
    });
    assert.ok(horizontal);
    const [a, b] = marks(drawChart(horizontal).svg);
    assert.ok(a && b);
    assert.equal(num(a, "x"), num(b, "x"));
    assert.ok(num(b, "width") > num(a, "width"));
  });

  it("draws lines through every point and fills areas down to zero", () => {
    const line = asChart({
      kind: "line",
      id: "l",
      labels: ["a", "b", "c"],
      series: [{ name: "x", values: [100, 105, 103] }],
    });
    assert.ok(line);
    const drawn = drawChart(line).svg;
    assert.equal(marks(drawn).length, 3);
    const path = find(drawn, (n) => n.attrs.class === "line")[0];
    assert.match(String(path?.attrs.d), /^M[\d.]+ [\d.]+ L[\d.]+ [\d.]+ L[\d.]+ [\d.]+$/);
    const area = asChart({ kind: "area", id: "a", labels: ["a", "b"], series: [{ name: "x", values: [1, 2] }] });
    assert.ok(area);
    const fill = find(drawChart(area).svg, (n) => n.attrs.class === "area")[0];
    assert.match(String(fill?.attrs.d), /Z$/);
  });

  it("places scatter points by x and y", () => {
    const chart = asChart({
      kind: "scatter",
      id: "sc",
      series: [
        {
          name: "runs",
          points: [
            { x: 1, y: 1 },
            { x: 9, y: 9, label: "big" },
          ],
        },
      ],
    });
    assert.ok(chart);
    const [p, q] = marks(drawChart(chart).svg);
    assert.ok(p && q);
    assert.ok(num(q, "cx") > num(p, "cx") && num(q, "cy") < num(p, "cy"), "up and to the right");
    assert.equal(titleOf(q), "runs — big: (9, 9)");
  });

  it("divides a pie by share, skipping values that are not positive", () => {
    const chart = asChart({
      kind: "pie",
      id: "p",
      segments: [
        { label: "a", value: 3 },
        { label: "b", value: 1 },
        { label: "c", value: -2 },
      ],
    });
    assert.ok(chart);
    const drawing = drawChart(chart);
    const slices = marks(drawing.svg);
    assert.equal(slices.length, 2);
    assert.match(String(slices[0]?.attrs.d), / 0 1 1 /, "75% takes the large arc");
    assert.match(String(slices[1]?.attrs.d), / 0 0 1 /);
    assert.deepEqual(
      drawing.legend.map((l) => l.detail),
      ["3 (75%)", "1 (25%)", "-2 (not drawn)"],
    );
    const whole = asChart({ kind: "pie", id: "w", segments: [{ label: "all", value: 4 }] });
    assert.ok(whole);
    assert.equal(marks(drawChart(whole).svg)[0]?.tag, "circle");
  });

  it("keeps labels as text nodes (never markup)", () => {
    const chart = asChart({
      kind: "bar",
      id: "x",
      labels: ["<script>alert(1)</script>"],
      series: [{ name: "<b>", values: [1] }],
    });
    assert.ok(chart);
    const texts = find(drawChart(chart).svg, (n) => n.tag === "text" || n.tag === "title").flatMap((n) => n.children);
    assert.ok(texts.some((t) => typeof t === "string" && t.startsWith("<script>")));
    assert.ok(texts.every((t) => typeof t === "string"));
  });

  it("refuses shapes it cannot draw", () => {
    assert.equal(asChart({ kind: "bar", id: "x", labels: ["a", "b"], series: [{ name: "s", values: [1] }] }), null);
    assert.equal(asChart({ kind: "donut", id: "x" }), null);
    assert.equal(asChart({ kind: "pie", id: "x", segments: [{ label: "a", value: "3" }] }), null);
  });

  it("draws at the container's width, skipping category labels that would crowd a narrow one", () => {
    const labels = Array.from({ length: 24 }, (_, i) => `Month ${i + 1}`);
    const chart = asChart({ kind: "bar", id: "m", labels, series: [{ name: "s", values: labels.map((_, i) => i) }] });
    assert.ok(chart);
    const categoryTexts = (size: ChartSize) =>
      find(drawChart(chart, size).svg, (n) => n.attrs.class === "categories")[0]?.children.length ?? 0;
    const narrow = chartSizeFor(300);
    const wide = chartSizeFor(1200);
    assert.deepEqual(narrow, { width: 300, height: 220 });
    assert.deepEqual(wide, { width: 1200, height: 320 });
    assert.equal(chartSizeFor(100).width, 260, "never narrower than readable");
    assert.ok(categoryTexts(narrow) < categoryTexts(wide), "fewer labels when narrow");
    assert.ok(categoryTexts(narrow) >= 3);
    const svg = drawChart(chart, narrow).svg;
    assert.equal(svg.attrs.viewBox, "0 0 300 220");
    marks(svg).forEach((m) => inside(m, narrow));
    assert.equal(marks(svg).length, 24, "every bar is still drawn");
  });

  it("formats values short", () => {
    assert.equal(formatValue(1234.567), "1,234.57");
    assert.equal(formatValue(1_500_000), "1.5M");
  });
});
