/** Times and sizes in words. */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "12 s ago", "3 min ago", "in 2 min"; past a week, the date. */
export function relativeTime(iso: string | null | undefined, now: number = Date.now()): string {
  if (iso === null || iso === undefined) return "never";
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return "unknown";
  const delta = now - at;
  const ahead = delta < 0;
  const d = Math.abs(delta);
  let words: string;
  if (d < 5 * SECOND) return ahead ? "in a moment" : "just now";
  if (d < MINUTE) words = `${Math.round(d / SECOND)} s`;
  else if (d < HOUR) words = `${Math.round(d / MINUTE)} min`;
  else if (d < DAY) words = `${Math.round(d / HOUR)} h`;
  else if (d < 7 * DAY) words = `${Math.round(d / DAY)} d`;
  else return new Date(at).toLocaleDateString();
  return ahead ? `in ${words}` : `${words} ago`;
}

export function dateTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return "—";
  const at = Date.parse(iso);
  return Number.isNaN(at) ? "—" : new Date(at).toLocaleString();
}

export function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}
