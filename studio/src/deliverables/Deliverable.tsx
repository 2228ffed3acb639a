/** One deliverable of an assistant reply, drawn by kind. */
import { useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { download, fetchText } from "../api";
import { bytes } from "../format";
import { useAction, useResource } from "../hooks";
import { ErrorNote } from "../ui";
import { chartSizeFor, drawChart, DEFAULT_CHART_SIZE } from "./charts";
import { markdownToSafeHtml, sanitizeSvg } from "./markdown";
import { renderSvgTree } from "./SvgTree";
import { asChart, asChecklist, asFile, asList, asSvg, asTable, type DeliverableView } from "./types";

function Unreadable({ deliverable }: { deliverable: DeliverableView }) {
  return (
    <p class="note">
      This {deliverable.kind} ({deliverable.id}) has a shape this Studio cannot display.
    </p>
  );
}

function Caption({ title }: { title: string | undefined }) {
  return title === undefined ? null : <figcaption>{title}</figcaption>;
}

/** The element's content width, kept current as the layout changes (null before the first layout). */
function useWidth(ref: { current: HTMLElement | null }): number | null {
  const [width, setWidth] = useState<number | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (el === null) return;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver((entries) => {
      const w = entries[0]?.contentRect.width;
      if (w !== undefined && w > 0) setWidth(Math.round(w));
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return width;
}

function ChartView({ deliverable }: { deliverable: DeliverableView }) {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const chart = asChart(deliverable.data);
  // Drawn at the container's width, so labels keep their size on a phone.
  const drawing = useMemo(
    () =>
      chart === null
        ? null
        : drawChart(chart, width === null || width === 0 ? DEFAULT_CHART_SIZE : chartSizeFor(width)),
    [deliverable, width],
  );
  if (chart === null || drawing === null) return <Unreadable deliverable={deliverable} />;
  return (
    <>
      <Caption title={chart.title} />
      <div class="chart" data-chart-kind={chart.kind} ref={box}>
        {renderSvgTree(drawing.svg)}
      </div>
      <ul class="legend">
        {drawing.legend.map((entry) => (
          <li key={entry.name}>
            <span class="swatch" style={{ background: entry.color }} aria-hidden="true" />
            {entry.name}
            {entry.detail !== undefined && <span class="muted"> {entry.detail}</span>}
          </li>
        ))}
      </ul>
    </>
  );
}

function TableView({ deliverable }: { deliverable: DeliverableView }) {
  const table = asTable(deliverable.data);
  if (table === null) return <Unreadable deliverable={deliverable} />;
  return (
    <>
      <Caption title={table.title} />
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              {table.columns.map((c, i) => (
                <th key={i} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, r) => (
              <tr key={r}>
                {row.map((cell, i) => (
                  <td key={i}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {table.rows.length === 0 && <p class="muted">No rows.</p>}
    </>
  );
}

function ListView({ deliverable }: { deliverable: DeliverableView }) {
  const list = asList(deliverable.data);
  if (list === null) return <Unreadable deliverable={deliverable} />;
  const items = list.items.map((item, i) => <li key={i}>{item}</li>);
  return (
    <>
      <Caption title={list.title} />
      {list.ordered === true ? <ol>{items}</ol> : <ul>{items}</ul>}
    </>
  );
}

function ChecklistView({ deliverable }: { deliverable: DeliverableView }) {
  const checklist = asChecklist(deliverable.data);
  if (checklist === null) return <Unreadable deliverable={deliverable} />;
  const done = checklist.items.filter((i) => i.checked).length;
  return (
    <>
      <Caption title={checklist.title} />
      <p class="muted checklist-count">
        {done} of {checklist.items.length} done
      </p>
      <ul class="checklist">
        {checklist.items.map((item) => (
          <li key={item.id} class={item.checked ? "checked" : undefined}>
            <label>
              {/* The checklist is the runner's record; the Studio shows it, it does not edit it. */}
              <input type="checkbox" checked={item.checked} disabled />
              {item.label}
            </label>
          </li>
        ))}
      </ul>
    </>
  );
}

function SvgView({ deliverable }: { deliverable: DeliverableView }) {
  const svg = asSvg(deliverable.data);
  const safe = useMemo(() => (svg === null ? "" : sanitizeSvg(svg.content)), [deliverable]);
  if (svg === null) return <Unreadable deliverable={deliverable} />;
  return (
    <>
      <Caption title={svg.title} />
      {safe.trim() === "" ? (
        <p class="note">This drawing had nothing left to show once made safe.</p>
      ) : (
        // Sanitised above with DOMPurify's SVG profile: no script, handlers or foreign content.
        <div class="svg-art" dangerouslySetInnerHTML={{ __html: safe }} />
      )}
    </>
  );
}

function FileView({ deliverable, workspaceId }: { deliverable: DeliverableView; workspaceId: string }) {
  const file = asFile(deliverable.data);
  const path = `/api/workspaces/${encodeURIComponent(workspaceId)}/files/${encodeURIComponent(deliverable.deliverableId)}`;
  const content = useResource(() => fetchText(path), [path]);
  const save = useAction(() => download(path, file?.name.split("/").pop() ?? "file"));
  const html = useMemo(
    () => (content.data !== undefined && file?.name.endsWith(".md") === true ? markdownToSafeHtml(content.data) : null),
    [content.data],
  );
  if (file === null) return <Unreadable deliverable={deliverable} />;
  return (
    <>
      <div class="file-head">
        <span class="file-name mono">{file.name}</span>
        {file.size !== undefined && <span class="muted">{bytes(file.size)}</span>}
        <button type="button" class="secondary" disabled={save.busy} onClick={() => void save.run()}>
          Download
        </button>
      </div>
      <ErrorNote error={save.error} />
      {content.loading && content.data === undefined && <p class="muted">Loading preview…</p>}
      <ErrorNote error={content.error} onRetry={content.reload} />
      {html !== null && <div class="markdown file-preview" dangerouslySetInnerHTML={{ __html: html }} />}
      {html === null && content.data !== undefined && <pre class="file-preview">{content.data}</pre>}
    </>
  );
}

export function Deliverable({ deliverable, workspaceId }: { deliverable: DeliverableView; workspaceId: string }) {
  let body;
  switch (deliverable.kind) {
    case "chart":
      body = <ChartView deliverable={deliverable} />;
      break;
    case "table":
      body = <TableView deliverable={deliverable} />;
      break;
    case "list":
      body = <ListView deliverable={deliverable} />;
      break;
    case "checklist":
      body = <ChecklistView deliverable={deliverable} />;
      break;
    case "svg":
      body = <SvgView deliverable={deliverable} />;
      break;
    case "file":
      body = <FileView deliverable={deliverable} workspaceId={workspaceId} />;
      break;
    default:
      body = <Unreadable deliverable={deliverable} />;
  }
  return (
    <figure class={`deliverable deliverable-${deliverable.kind}`} data-kind={deliverable.kind} data-id={deliverable.id}>
      {body}
    </figure>
  );
}
