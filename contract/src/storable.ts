/**
 * Runners send free-form JSON in results (per-file findings, metrics). Firestore cannot store
 * every JSON value: an array directly inside an array, an empty or reserved (`__x__`) map key,
 * or nesting deeper than its limit all make the commit fail. Checked up front so the caller
 * gets a 400 naming the place, not a 500.
 */

/** Most levels of maps and arrays accepted; Firestore's own limit is 20. */
export const MAX_STORABLE_DEPTH = 12;

/** The first reason `value` cannot be stored, as `path: reason`, or null when it can. */
export function unstorableReason(value: unknown, path = "", depth = 0): string | null {
  if (value === null || typeof value === "string" || typeof value === "boolean") return null;
  if (typeof value === "number") return Number.isFinite(value) ? null : `${path || "value"}: not a finite number`;
  if (depth >= MAX_STORABLE_DEPTH) return `${path || "value"}: nested deeper than ${MAX_STORABLE_DEPTH} levels`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (Array.isArray(item)) return `${path}[${i}]: an array directly inside an array cannot be stored`;
      const reason = unstorableReason(item, `${path}[${i}]`, depth + 1);
      if (reason !== null) return reason;
    }
    return null;
  }
  if (typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      const at = path === "" ? key : `${path}.${key}`;
      if (key.length === 0) return `${path || "value"}: empty keys cannot be stored`;
      if (/^__.*__$/.test(key)) return `${at}: keys like __name__ are reserved`;
      const reason = unstorableReason(item, at, depth + 1);
      if (reason !== null) return reason;
    }
    return null;
  }
  return `${path || "value"}: not a JSON value`;
}
