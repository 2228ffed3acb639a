import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as functions from "../index";
import { endpointsOf } from "./route";

interface Rewrite {
  source: string;
  function?: { functionId: string };
}

/** Firebase Hosting globs: `**` spans segments, `*` stays within one. */
function globToRegExp(glob: string): RegExp {
  const source = glob
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  return new RegExp(`^${source}$`);
}

function concrete(path: string): string {
  return path.replace(/:[A-Za-z]+/g, "abc123");
}

const rewrites = (
  JSON.parse(readFileSync(join(__dirname, "../../../firebase.json"), "utf8")) as { hosting: { rewrites: Rewrite[] } }
).hosting.rewrites;
const served = Object.entries(functions).flatMap(([name, fn]) =>
  endpointsOf(fn).map((endpoint) => ({ name, endpoint })),
);

describe("every endpoint is reachable through Hosting", () => {
  it("finds HTTP endpoints to check", () => {
    assert.ok(served.length >= 20, `only ${served.length} endpoints found`);
  });

  for (const { name, endpoint } of served) {
    it(`${endpoint.method} ${endpoint.path} → ${name}`, () => {
      const path = concrete(endpoint.path);
      const first = rewrites.find((r) => globToRegExp(r.source).test(path));
      assert.ok(first !== undefined, `no Hosting rewrite matches ${path}`);
      assert.equal(
        first.function?.functionId,
        name,
        `${path} is rewritten to ${first.function?.functionId ?? first.source}, not ${name}`,
      );
      assert.ok(endpoint.matcher.test(path), "the function's own matcher accepts the path");
    });
  }

  it("has no rewrite to a function that does not exist", () => {
    const names = new Set(Object.keys(functions));
    for (const r of rewrites)
      if (r.function) assert.ok(names.has(r.function.functionId), `${r.source} → ${r.function.functionId}`);
  });
});
