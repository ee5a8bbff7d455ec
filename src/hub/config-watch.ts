import { isDeepStrictEqual } from 'node:util';
import { watch } from 'chokidar';
import type { Logger } from 'pino';
import { loadHubConfig, type HubConfig } from '../config/index.js';

/** Top-level keys a running hub applies from an edited file; a change elsewhere needs a restart. */
export const LIVE_KEYS = ['usagePlans', 'validation', 'processes', 'alerts'] as const satisfies readonly (keyof HubConfig)[];

/**
 * Watches the hub's config file and hands each valid new version to `apply`. An invalid edit is
 * logged and ignored, so a typo never takes a running hub down; the hub keeps the last good config.
 * Keys outside LIVE_KEYS that changed are named in a warning: they take effect at the next start.
 *
 * chokidar follows editors that replace the file (rename over it) and Kubernetes ConfigMap updates
 * (a symlink swapped under the mount), and waits until a write has settled.
 */
export function watchConfig(file: string, initial: HubConfig, logger: Logger, apply: (config: HubConfig) => void): { close(): Promise<void> } {
  let running = initial;
  const watcher = watch(file, { ignoreInitial: true, atomic: true, awaitWriteFinish: { stabilityThreshold: 150, pollInterval: 50 } });
  const reload = (): void => {
    loadHubConfig(file).then(
      (next) => {
        const restart = changedKeys(running, next).filter((k) => !(LIVE_KEYS as readonly string[]).includes(k));
        if (restart.length > 0) logger.warn({ file, keys: restart }, 'config changed in keys that apply only at the next start');
        running = next;
        apply(next);
      },
      (err: unknown) => logger.error({ file, err: err instanceof Error ? err.message : String(err) }, 'config reload refused; keeping the running config'),
    );
  };
  watcher.on('add', reload).on('change', reload);
  watcher.on('error', (err) => logger.warn({ file, err }, 'watching the config file failed; live reload may be off'));
  return { close: () => watcher.close() };
}

function changedKeys(a: HubConfig, b: HubConfig): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof HubConfig>;
  return [...keys].filter((k) => !isDeepStrictEqual(a[k], b[k]));
}
