import assert from "node:assert/strict";
import { CAPS, sanitiseFileName, validateDeliverables, type SliceName } from "./deliverables";

const empty = { files: [], charts: [], datasets: [], lists: [], checklists: [], svgs: [] };
const repeat = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

function check(slices: Partial<Record<SliceName, unknown>>) {
  return validateDeliverables({ ...empty, ...slices });
}

function accepted(slices: Partial<Record<SliceName, unknown>>) {
  const result = check(slices);
  assert.ok(result.ok, result.ok ? "" : `${result.slice}: ${result.reason}`);
}

function refused(slices: Partial<Record<SliceName, unknown>>, slice: SliceName) {
  const result = check(slices);
  assert.ok(!result.ok, "expected a refusal");
  assert.equal(result.slice, slice);
}

const bar = (over: Record<string, unknown> = {}) => ({
  id: "c1",
  kind: "bar",
  labels: ["a", "b"],
  series: [{ name: "s", values: [1, 2] }],
  ...over,
});

/** Each rule: the value at its cap is accepted and one past it refused, naming the slice. */
const boundaries: { rule: string; slice: SliceName; at: unknown[]; past: unknown[] }[] = [
  {
    rule: "file count",
    slice: "files",
    at: repeat(CAPS.files, (i) => ({ name: `f${i}.md`, content: "x" })),
    past: repeat(CAPS.files + 1, (i) => ({ name: `f${i}.md`, content: "x" })),
  },
  {
    rule: "file content",
    slice: "files",
    at: [{ name: "a.md", content: "x".repeat(CAPS.fileContentChars) }],
    past: [{ name: "a.md", content: "x".repeat(CAPS.fileContentChars + 1) }],
  },
  {
    rule: "file name length",
    slice: "files",
    at: [{ name: `${"a".repeat(44)}/${"b".repeat(44)}/${"c".repeat(44)}/${"d".repeat(22)}.md`, content: "x" }],
    past: [{ name: `${"a".repeat(44)}/${"b".repeat(44)}/${"c".repeat(44)}/${"d".repeat(23)}.md`, content: "x" }],
  },
  {
    rule: "file folders",
    slice: "files",
    at: [{ name: "a/b/c/d/e.md", content: "x" }],
    past: [{ name: "a/b/c/d/e/f.md", content: "x" }],
  },
  {
    rule: "file segment length",
    slice: "files",
    at: [{ name: `${"a".repeat(45)}.md`, content: "x" }],
    past: [{ name: `${"a".repeat(46)}.md`, content: "x" }],
  },
  {
    rule: "chart count",
    slice: "charts",
    at: repeat(CAPS.charts, (i) => bar({ id: `c${i}` })),
    past: repeat(CAPS.charts + 1, (i) => bar({ id: `c${i}` })),
  },
  {
    rule: "chart labels",
    slice: "charts",
    at: [
      bar({
        labels: repeat(CAPS.chartLabels, String),
        series: [{ name: "s", values: repeat(CAPS.chartLabels, () => 1) }],
      }),
    ],
    past: [
      bar({
        labels: repeat(CAPS.chartLabels + 1, String),
        series: [{ name: "s", values: repeat(CAPS.chartLabels + 1, () => 1) }],
      }),
    ],
  },
  {
    rule: "chart series",
    slice: "charts",
    at: [bar({ series: repeat(CAPS.chartSeries, (i) => ({ name: `s${i}`, values: [1, 2] })) })],
    past: [bar({ series: repeat(CAPS.chartSeries + 1, (i) => ({ name: `s${i}`, values: [1, 2] })) })],
  },
  {
    rule: "chart title",
    slice: "charts",
    at: [bar({ title: "t".repeat(CAPS.chartTitleChars) })],
    past: [bar({ title: "t".repeat(CAPS.chartTitleChars + 1) })],
  },
  {
    rule: "label length",
    slice: "charts",
    at: [bar({ labels: ["l".repeat(CAPS.labelChars), "b"] })],
    past: [bar({ labels: ["l".repeat(CAPS.labelChars + 1), "b"] })],
  },
  {
    rule: "scatter points",
    slice: "charts",
    at: [
      {
        id: "s",
        kind: "scatter",
        series: [{ name: "p", points: repeat(CAPS.scatterPoints, (i) => ({ x: i, y: i })) }],
      },
    ],
    past: [
      {
        id: "s",
        kind: "scatter",
        series: [{ name: "p", points: repeat(CAPS.scatterPoints + 1, (i) => ({ x: i, y: i })) }],
      },
    ],
  },
  {
    rule: "scatter series",
    slice: "charts",
    at: [
      {
        id: "s",
        kind: "scatter",
        series: repeat(CAPS.scatterSeries, (i) => ({ name: `p${i}`, points: [{ x: 1, y: 2 }] })),
      },
    ],
    past: [
      {
        id: "s",
        kind: "scatter",
        series: repeat(CAPS.scatterSeries + 1, (i) => ({ name: `p${i}`, points: [{ x: 1, y: 2 }] })),
      },
    ],
  },
  {
    rule: "pie segments",
    slice: "charts",
    at: [{ id: "p", kind: "pie", segments: repeat(CAPS.pieSegments, (i) => ({ label: `l${i}`, value: i })) }],
    past: [{ id: "p", kind: "pie", segments: repeat(CAPS.pieSegments + 1, (i) => ({ label: `l${i}`, value: i })) }],
  },
  {
    rule: "dataset count",
    slice: "datasets",
    at: repeat(CAPS.datasets, (i) => ({ id: `t${i}`, kind: "table", columns: ["a"], rows: [["1"]] })),
    past: repeat(CAPS.datasets + 1, (i) => ({ id: `t${i}`, kind: "table", columns: ["a"], rows: [["1"]] })),
  },
  {
    rule: "dataset columns",
    slice: "datasets",
    at: [{ id: "t", kind: "table", columns: repeat(CAPS.datasetColumns, (i) => `c${i}`), rows: [] }],
    past: [{ id: "t", kind: "table", columns: repeat(CAPS.datasetColumns + 1, (i) => `c${i}`), rows: [] }],
  },
  {
    rule: "dataset rows",
    slice: "datasets",
    at: [{ id: "t", kind: "table", columns: ["a"], rows: repeat(CAPS.datasetRows, () => ["x"]) }],
    past: [{ id: "t", kind: "table", columns: ["a"], rows: repeat(CAPS.datasetRows + 1, () => ["x"]) }],
  },
  {
    rule: "dataset cell",
    slice: "datasets",
    at: [{ id: "t", kind: "table", columns: ["a"], rows: [["x".repeat(CAPS.cellChars)]] }],
    past: [{ id: "t", kind: "table", columns: ["a"], rows: [["x".repeat(CAPS.cellChars + 1)]] }],
  },
  {
    rule: "list count",
    slice: "lists",
    at: repeat(CAPS.lists, (i) => ({ id: `l${i}`, kind: "list", items: ["a"] })),
    past: repeat(CAPS.lists + 1, (i) => ({ id: `l${i}`, kind: "list", items: ["a"] })),
  },
  {
    rule: "list items",
    slice: "lists",
    at: [{ id: "l", kind: "list", items: repeat(CAPS.listItems, String) }],
    past: [{ id: "l", kind: "list", items: repeat(CAPS.listItems + 1, String) }],
  },
  {
    rule: "list item length",
    slice: "lists",
    at: [{ id: "l", kind: "list", items: ["i".repeat(CAPS.itemChars)] }],
    past: [{ id: "l", kind: "list", items: ["i".repeat(CAPS.itemChars + 1)] }],
  },
  {
    rule: "checklist count",
    slice: "checklists",
    at: repeat(CAPS.checklists, (i) => ({
      id: `k${i}`,
      kind: "checklist",
      items: [{ id: "a", label: "A", checked: false }],
    })),
    past: repeat(CAPS.checklists + 1, (i) => ({
      id: `k${i}`,
      kind: "checklist",
      items: [{ id: "a", label: "A", checked: false }],
    })),
  },
  {
    rule: "checklist items",
    slice: "checklists",
    at: [
      {
        id: "k",
        kind: "checklist",
        items: repeat(CAPS.checklistItems, (i) => ({ id: `i${i}`, label: "L", checked: true })),
      },
    ],
    past: [
      {
        id: "k",
        kind: "checklist",
        items: repeat(CAPS.checklistItems + 1, (i) => ({ id: `i${i}`, label: "L", checked: true })),
      },
    ],
  },
  {
    rule: "checklist label",
    slice: "checklists",
    at: [
      { id: "k", kind: "checklist", items: [{ id: "a", label: "l".repeat(CAPS.checklistLabelChars), checked: true }] },
    ],
    past: [
      {
        id: "k",
        kind: "checklist",
        items: [{ id: "a", label: "l".repeat(CAPS.checklistLabelChars + 1), checked: true }],
      },
    ],
  },
  {
    rule: "checklist item id",
    slice: "checklists",
    at: [
      { id: "k", kind: "checklist", items: [{ id: "i".repeat(CAPS.checklistItemIdChars), label: "L", checked: true }] },
    ],
    past: [
      {
        id: "k",
        kind: "checklist",
        items: [{ id: "i".repeat(CAPS.checklistItemIdChars + 1), label: "L", checked: true }],
      },
    ],
  },
  {
    rule: "svg count",
    slice: "svgs",
    at: repeat(CAPS.svgs, (i) => ({ id: `v${i}`, content: "<svg></svg>" })),
    past: repeat(CAPS.svgs + 1, (i) => ({ id: `v${i}`, content: "<svg></svg>" })),
  },
  {
    rule: "svg content",
    slice: "svgs",
    at: [{ id: "v", content: `<svg>${"x".repeat(CAPS.svgChars - 11)}</svg>` }],
    past: [{ id: "v", content: `<svg>${"x".repeat(CAPS.svgChars - 10)}</svg>` }],
  },
];

describe("deliverable caps (spec/workspace-runner-api.md)", () => {
  for (const b of boundaries) {
    it(`${b.rule}: accepted at the cap, refused one past it`, () => {
      accepted({ [b.slice]: b.at });
      refused({ [b.slice]: b.past }, b.slice);
    });
  }

  it("ids are 1–64 chars of [A-Za-z0-9_-]", () => {
    accepted({ lists: [{ id: "a".repeat(64), kind: "list", items: ["x"] }] });
    refused({ lists: [{ id: "a".repeat(65), kind: "list", items: ["x"] }] }, "lists");
    refused({ lists: [{ id: "a b", kind: "list", items: ["x"] }] }, "lists");
    refused({ lists: [{ id: "", kind: "list", items: ["x"] }] }, "lists");
  });

  it("bar values are one per label and finite; stacked values are non-negative", () => {
    refused({ charts: [bar({ series: [{ name: "s", values: [1] }] })] }, "charts");
    refused({ charts: [bar({ series: [{ name: "s", values: [1, Number.POSITIVE_INFINITY] }] })] }, "charts");
    accepted({ charts: [bar({ kind: "stacked_bar" })] });
    refused({ charts: [bar({ kind: "stacked_bar", series: [{ name: "s", values: [1, -1] }] })] }, "charts");
    refused({ charts: [bar({ kind: "donut" })] }, "charts");
  });

  it("table rows have exactly one cell per column", () => {
    refused({ datasets: [{ id: "t", kind: "table", columns: ["a", "b"], rows: [["1"]] }] }, "datasets");
  });

  it("checklist item ids are unique case-insensitively", () => {
    refused(
      {
        checklists: [
          {
            id: "k",
            kind: "checklist",
            items: [
              { id: "A", label: "x", checked: true },
              { id: "a", label: "y", checked: false },
            ],
          },
        ],
      },
      "checklists",
    );
  });

  it("svgs must be an <svg> drawing, and only the sanitised markup is kept", () => {
    refused({ svgs: [{ id: "v", content: "<div></div>" }] }, "svgs");
    refused({ svgs: [{ id: "v", content: "<script>x</script>" }] }, "svgs");
    const result = check({
      svgs: [
        {
          id: "v",
          content:
            '<svg onload="x()"><script>x</script><rect/onmouseover="x()" width="2"/><a href="jav&#x61;script:x()">a</a><image href="https://evil.example/p.png"/></svg>',
        },
      ],
    });
    assert.ok(result.ok);
    assert.equal(result.value.svgs[0]?.content, '<svg><rect width="2"></rect><a>a</a><image></image></svg>');
  });

  it("file names: sanitised, .md/.txt only, no '..'", () => {
    assert.equal(sanitiseFileName(" notes/My Plan!.md "), "notes/My_Plan_.md");
    assert.deepEqual(sanitiseFileName("a.pdf"), { error: "name must end in .md or .txt" });
    assert.ok(typeof sanitiseFileName("../etc/passwd.md") !== "string");
    assert.ok(typeof sanitiseFileName("a//b.md") !== "string");
    refused({ files: [{ name: "x.md", content: "   " }] }, "files");
  });

  it("names the first bad slice and leaves the rest unreported", () => {
    const result = check({ charts: [bar()], lists: [{ id: "l", kind: "list", items: [] }] });
    assert.ok(!result.ok);
    assert.equal(result.slice, "lists");
    assert.ok(result.issues.every((i) => i.path.startsWith("lists")));
  });
});
