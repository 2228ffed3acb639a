/**
 * A history router for the app under `/dashboard/` (Vite's base). Hosting rewrites every
 * `/dashboard/**` path to index.html, so a reload or a shared link lands on the same page.
 */
import { useEffect, useState } from "preact/hooks";

/** `/dashboard`, without the trailing slash. */
export const BASE = import.meta.env.BASE_URL.replace(/\/$/, "");

/** The path inside the app: `/jobs/abc` for `/dashboard/jobs/abc`. */
export function currentPath(): string {
  const path = location.pathname;
  if (!path.startsWith(BASE)) return "/";
  const inner = path.slice(BASE.length);
  return inner === "" ? "/" : inner;
}

export function href(path: string): string {
  return `${BASE}${path}`;
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace === true) history.replaceState(null, "", href(path));
  else history.pushState(null, "", href(path));
  dispatchEvent(new PopStateEvent("popstate"));
  window.scrollTo(0, 0);
}

export function useRoute(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const update = () => setPath(currentPath());
    addEventListener("popstate", update);
    return () => removeEventListener("popstate", update);
  }, []);
  return path;
}

/** Matches `/jobs/:id` style patterns; returns the named segments (decoded) or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? "";
    const h = have[i] ?? "";
    if (w.startsWith(":")) {
      try {
        params[w.slice(1)] = decodeURIComponent(h);
      } catch {
        return null;
      }
    } else if (w !== h) {
      return null;
    }
  }
  return params;
}
