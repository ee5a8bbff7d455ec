import { useEffect } from 'preact/hooks';

/**
 * Calls `onTick` every `everyMs` while the page is visible (a hidden tab does not poll);
 * `everyMs` undefined: never. The timer starts again when `everyMs`, `onTick` or `restartOn` changes,
 * so `onTick` should be stable (a state setter or a useCallback).
 */
export function useVisibleInterval(everyMs: number | undefined, onTick: () => void, restartOn?: unknown): void {
  useEffect(() => {
    if (everyMs === undefined) return undefined;
    const id = window.setInterval(() => {
      if (document.visibilityState === 'visible') onTick();
    }, everyMs);
    return () => window.clearInterval(id);
  }, [everyMs, onTick, restartOn]);
}
