import { useEffect, useRef, useState } from 'react';

export interface Polled<T> {
  data: T | null;
  error: string | null;
  reload(): void;
}

/**
 * Loads `load()` now and again every `everyMs` while the tab is visible (0: once). Keeps the last
 * data on a failed reload, so a hiccup does not blank the page.
 */
export function usePolling<T>(load: () => Promise<T>, deps: unknown[], everyMs = 0): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloads when the caller's deps change; `load` is read through a ref
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const v = await loadRef.current();
        if (live) {
          setData(v);
          setError(null);
        }
      } catch (e) {
        if (live) setError((e as Error).message);
      }
      if (live && everyMs > 0) timer = setTimeout(run, document.hidden ? everyMs * 4 : everyMs);
    };
    void run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick, everyMs]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}
