import assert from "node:assert/strict";
import { layoutReply, sanitiseFilePath } from "../src/deliverables/placeholders";
import type { DeliverableView } from "../src/deliverables/types";

function d(kind: DeliverableView["kind"], id: string, order: number): DeliverableView {
  return { deliverableId: `doc-${kind}-${id}`, kind, id, order, data: {} };
}

describe("studio reply layout", () => {
  const chart = d("chart", "revenue", 0);
  const table = d("table", "costs", 1);
  const file = d("file", "notes/plan_v2.md", 2);
  const list = d("list", "steps", 3);

  it("puts each deliverable where its placeholder is and appends the rest", () => {
    const segments = layoutReply("Intro {{artifact:chart:revenue}} middle {{artifact:table:costs}} end", [
      list,
      table,
      chart,
    ]);
    assert.deepEqual(
      segments.map((s) =>
        s.type === "text" ? s.text : s.type === "deliverable" ? s.deliverable.id : `missing:${s.id}`,
      ),
      ["Intro ", "revenue", " middle ", "costs", " end", "steps"],
    );
  });

  it("finds files by the name the runner used before sanitising", () => {
    assert.equal(sanitiseFilePath("notes/plan v2.md"), "notes/plan_v2.md");
    // The server stored "notes/plan+v2.md" as "notes/plan_v2.md"; the reply still names the original.
    const [segment] = layoutReply("{{artifact:file:notes/plan+v2.md}}", [file]);
    assert.equal(segment?.type, "deliverable");
  });

  it("notes a placeholder whose deliverable is missing and leaves unknown kinds as text", () => {
    const segments = layoutReply("A {{artifact:chart:nope}} B {{artifact:video:x}}", []);
    assert.deepEqual(segments, [
      { type: "text", text: "A " },
      { type: "missing", kind: "chart", id: "nope" },
      { type: "text", text: " B {{artifact:video:x}}" },
    ]);
  });

  it("does not match a placeholder to a deliverable of another kind", () => {
    const segments = layoutReply("{{artifact:table:revenue}}", [chart]);
    assert.deepEqual(
      segments.map((s) => s.type),
      ["missing", "deliverable"],
    );
  });

  it("drops whitespace-only text between deliverables", () => {
    const segments = layoutReply("{{artifact:chart:revenue}}\n\n{{artifact:table:costs}}\n", [chart, table]);
    assert.deepEqual(
      segments.map((s) => s.type),
      ["deliverable", "deliverable"],
    );
  });
});
