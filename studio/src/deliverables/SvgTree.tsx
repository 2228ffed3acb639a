import { h, type VNode } from "preact";
import type { SvgChild } from "./charts";

/** Turns the chart renderer's element tree into Preact elements (strings stay text nodes). */
export function renderSvgTree(node: SvgChild, key?: number): VNode | string {
  if (typeof node === "string") return node;
  return h(
    node.tag,
    key === undefined ? node.attrs : { ...node.attrs, key },
    ...node.children.map((c, i) => renderSvgTree(c, i)),
  );
}
