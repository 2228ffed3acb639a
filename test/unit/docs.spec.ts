/**
 * Every relative link in the README and docs/ leads to a file or folder of this repository, so a
 * reader of a fresh clone never follows a link into nothing (or out of the repository).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve(__dirname, "..", "..");

function markdownFiles(): string[] {
  const files = [join(ROOT, "README.md")];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".md")) files.push(path);
    }
  };
  walk(join(ROOT, "docs"));
  return files;
}

/** `[text](target)` links outside code spans and fenced blocks, without their #fragment. */
export function relativeLinks(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  const links: string[] = [];
  for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1] ?? "";
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) continue;
    links.push(decodeURI(target.split("#")[0] ?? ""));
  }
  return links;
}

describe("documentation links", () => {
  it("finds the links it is meant to check", () => {
    assert.deepEqual(relativeLinks("[a](docs/a.md) [b](https://x.test) `[c](no.md)` [d](#top) [e](b.md#part)"), [
      "docs/a.md",
      "b.md",
    ]);
  });

  for (const file of markdownFiles()) {
    const name = relative(ROOT, file);
    it(`${name}: every relative link resolves inside the repository`, () => {
      const broken: string[] = [];
      for (const link of relativeLinks(readFileSync(file, "utf8"))) {
        const target = resolve(dirname(file), link);
        if (relative(ROOT, target).startsWith("..")) broken.push(`${link} (outside the repository)`);
        else if (!existsSync(target)) broken.push(`${link} (missing)`);
      }
      assert.deepEqual(broken, [], `${name} has broken links`);
    });
  }
});
