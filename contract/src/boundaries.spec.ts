import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.tsx?$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every module specifier a file imports or re-exports, resolved when it is relative. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^"';]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g,
    ),
  ].map((m) => m[1] ?? m[2] ?? m[3] ?? "");
  return specifiers.map((s) => (s.startsWith(".") ? relative(ROOT, resolve(file, "..", s)) : s));
}

describe("wire contract boundaries", () => {
  it("the contract imports nothing but zod, node: modules and itself", () => {
    const offenders: string[] = [];
    for (const file of sources(join(ROOT, "contract", "src"))) {
      for (const spec of importsOf(file)) {
        const ok = spec === "zod" || spec.startsWith("node:") || spec.startsWith("contract/src/");
        if (!ok) offenders.push(`${relative(ROOT, file)} → ${spec}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it("nothing under runner/ imports functions/ or a server package", () => {
    const server = /^(firebase-admin|firebase-functions|@google-cloud\/|firebase-tools)/;
    const offenders: string[] = [];
    for (const file of sources(join(ROOT, "runner", "src"))) {
      for (const spec of importsOf(file))
        if (spec.startsWith("functions/") || server.test(spec)) offenders.push(`${relative(ROOT, file)} → ${spec}`);
    }
    assert.deepEqual(offenders, []);
  });
});
