import { LANGUAGE_TYPES, type LanguageType } from "./code";

export type EntryPointVerdict = { ok: true; entryPoint: string } | { ok: false; reason: string };

/** Files a language starts from when nothing says otherwise, in order of preference. */
export const DEFAULT_ENTRY_POINTS: Record<LanguageType, readonly string[]> = {
  [LANGUAGE_TYPES.NodeJS]: ["index.js", "main.js"],
  [LANGUAGE_TYPES.Python]: ["main.py", "__main__.py"],
  [LANGUAGE_TYPES.DotNetScript]: ["main.csx"],
};

/**
 * The file the runner starts, at the archive root. NodeJS honours `package.json`'s `main` the way
 * Node resolves it (`x`, `x.js`, `x/index.js`); when `main` is given it must resolve, since
 * falling back to another file would run something the author did not name.
 */
export function findEntryPoint(
  language: LanguageType,
  files: ReadonlySet<string>,
  packageJson: Buffer | null,
): EntryPointVerdict {
  if (language === LANGUAGE_TYPES.NodeJS && packageJson !== null) {
    const main = mainOf(packageJson);
    if (!main.ok) return main;
    if (main.value !== null) {
      const path = main.value.replace(/^\.\//, "").replace(/\/$/, "");
      const candidates = [path, `${path}.js`, `${path}/index.js`];
      const found =
        path.length > 0 && !path.split("/").includes("..") ? candidates.find((c) => files.has(c)) : undefined;
      if (found === undefined)
        return {
          ok: false,
          reason: `package.json names "main": ${JSON.stringify(main.value)}, which is not in the archive.`,
        };
      return { ok: true, entryPoint: found };
    }
  }
  const defaults = DEFAULT_ENTRY_POINTS[language];
  const found = defaults.find((name) => files.has(name));
  if (found !== undefined) return { ok: true, entryPoint: found };
  const hint =
    language === LANGUAGE_TYPES.NodeJS
      ? `${defaults.join(" or ")}, or package.json with "main"`
      : defaults.join(" or ");
  return { ok: false, reason: `No entry point: put ${hint} at the root of the archive.` };
}

function mainOf(packageJson: Buffer): { ok: true; value: string | null } | { ok: false; reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(packageJson.toString("utf8"));
  } catch {
    return { ok: false, reason: "package.json is not valid JSON." };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: "package.json is not a JSON object." };
  const main = (parsed as Record<string, unknown>).main;
  if (main === undefined) return { ok: true, value: null };
  if (typeof main !== "string" || main.trim().length === 0)
    return { ok: false, reason: 'package.json "main" must be a non-empty string.' };
  return { ok: true, value: main.trim() };
}
