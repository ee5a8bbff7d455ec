import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from 'pino';
import { loadHubConfig, type HubConfig } from '../config/index.js';

/**
 * Watches the hub's config file and hands each valid new version to `apply` (debounced: editors
 * write in several steps). An invalid edit is logged and ignored, so a typo never takes a running
 * hub down; the hub keeps the last good config. Only keys that are safe to change live (usage
 * plans, validation rules) are applied; the rest need a restart, which the log says.
 */
export function watchConfig(file: string, logger: Logger, apply: (config: HubConfig) => void): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const reload = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      loadHubConfig(file).then(apply, (err: unknown) => logger.error({ file, err: err instanceof Error ? err.message : String(err) }, 'config reload refused; keeping the running config'));
      // Editors that replace the file (rename) end the old watch: watch the new file.
      arm();
    }, 150);
  };
  const arm = (): void => {
    watcher?.close();
    try {
      watcher = watch(file, reload);
    } catch (err) {
      logger.warn({ file, err }, 'cannot watch the config file; live reload is off');
    }
  };
  arm();
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
