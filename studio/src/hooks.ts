import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { messageOf } from "./api";

export interface Resource<T> {
  /** The last good answer; kept while a refresh fails, so the page does not blank out. */
  data: T | undefined;
  /** The last failure, in words; null after a success. */
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads something, and with `pollMs` keeps reloading it (each poll starts after the previous one
 * finished, so a slow server is never asked twice at once). Changing `deps` starts over.
 */
export function useResource<T>(load: () => Promise<T>, deps: unknown[], pollMs?: number | null): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: string | null; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  });
  const [version, setVersion] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let alive = true;
    let timer: number | undefined;
    setState((s) => ({ ...s, loading: true }));
    const run = async () => {
      try {
        const data = await loadRef.current();
        if (alive) setState({ data, error: null, loading: false });
      } catch (error) {
        if (alive) setState((s) => ({ ...s, error: messageOf(error), loading: false }));
      }
      if (alive && pollMs !== undefined && pollMs !== null) timer = window.setTimeout(() => void run(), pollMs);
    };
    void run();
    return () => {
      alive = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [...deps, version, pollMs]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { ...state, reload };
}

/** Re-renders every `ms`, so relative times ("12 s ago") stay true between loads. */
export function useTick(ms: number): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
}

/**
 * Runs an action, tracking busy state and its failure in words. Returns `run`, which never
 * rejects (the error is in `error`), so it can be called from event handlers as `void run()`.
 */
export function useAction<A extends unknown[], R>(action: (...args: A) => Promise<R>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(
    async (...args: A): Promise<R | undefined> => {
      setBusy(true);
      setError(null);
      try {
        return await action(...args);
      } catch (e) {
        setError(messageOf(e));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return { run, busy, error, clearError: () => setError(null) };
}
