import { watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** One scrape target, from the agent config or discovered through file_sd. */
export interface ScrapeTarget {
  url: string;
  job: string;
  /** The `source.name` the hub requires on metric data points. */
  sourceName: string;
  /** Extra labels added to every data point of this target. */
  labels?: Record<string, string>;
}

export type FileSdParseOutcome = { ok: true; targets: ScrapeTarget[] } | { ok: false; message: string };

/** Default job for file_sd groups that name none (Prometheus takes it from the scrape config). */
export const FILE_SD_DEFAULT_JOB = 'file_sd';

/**
 * Parses a Prometheus file_sd document (JSON or YAML; JSON is YAML):
 * `[{ targets: ["host:port"], labels: { job?, __metrics_path__?, __scheme__?, source_name?, ... } }]`.
 * Labels starting with `__` are meta labels and are not added to data points; `__param_<name>`
 * become query parameters as in Prometheus.
 */
export function parseFileSd(text: string, source: string): FileSdParseOutcome {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    return { ok: false, message: `${source}: ${(err as Error).message}` };
  }
  if (doc === null || doc === undefined) return { ok: true, targets: [] };
  if (!Array.isArray(doc)) return { ok: false, message: `${source}: expected a list of target groups` };
  const targets: ScrapeTarget[] = [];
  for (const [i, group] of doc.entries()) {
    if (typeof group !== 'object' || group === null) return { ok: false, message: `${source}: group ${i} is not an object` };
    const g = group as { targets?: unknown; labels?: unknown };
    if (!Array.isArray(g.targets) || !g.targets.every((t): t is string => typeof t === 'string')) {
      return { ok: false, message: `${source}: group ${i}: targets must be a list of "host:port" strings` };
    }
    const labels: Record<string, string> = {};
    if (g.labels !== undefined && g.labels !== null) {
      if (typeof g.labels !== 'object' || Array.isArray(g.labels)) return { ok: false, message: `${source}: group ${i}: labels must be a map` };
      for (const [k, v] of Object.entries(g.labels as Record<string, unknown>)) {
        if (typeof v !== 'string') return { ok: false, message: `${source}: group ${i}: label ${k} must be a string` };
        labels[k] = v;
      }
    }
    const scheme = labels['__scheme__'] ?? 'http';
    if (scheme !== 'http' && scheme !== 'https') return { ok: false, message: `${source}: group ${i}: __scheme__ must be http or https` };
    let path = labels['__metrics_path__'] ?? '/metrics';
    if (!path.startsWith('/')) path = `/${path}`;
    const params = new URLSearchParams();
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) {
      if (k.startsWith('__param_')) params.append(k.slice('__param_'.length), v);
      else if (!k.startsWith('__') && k !== 'job' && k !== 'source_name' && k !== 'source.name') extra[k] = v;
    }
    const job = labels['job'] ?? FILE_SD_DEFAULT_JOB;
    const sourceName = labels['source_name'] ?? labels['source.name'] ?? job;
    for (const hostPort of g.targets) {
      const query = params.size > 0 ? `?${params.toString()}` : '';
      const url = `${scheme}://${hostPort}${path}${query}`;
      try {
        new URL(url);
      } catch {
        return { ok: false, message: `${source}: group ${i}: invalid target ${JSON.stringify(hostPort)}` };
      }
      const t: ScrapeTarget = { url, job, sourceName };
      if (Object.keys(extra).length > 0) t.labels = { ...extra };
      targets.push(t);
    }
  }
  return { ok: true, targets };
}

export interface FileSdWatcherOptions {
  paths: readonly string[];
  /** Stat fallback for file systems where fs.watch misses changes (network mounts, ConfigMap symlink swaps). */
  pollMs: number;
  /** Called with all targets of all files whenever one file's targets change. */
  onTargets(targets: ScrapeTarget[]): void;
  onError?(message: string): void;
}

export interface FileSdWatcher {
  /** Reads every file once and starts watching. Resolves after the first read. */
  start(): Promise<void>;
  stop(): void;
  /** Re-reads every file now (changes are noticed by watch/poll on their own). */
  refresh(): Promise<void>;
}

interface FileState {
  signature: string;
  targets: ScrapeTarget[];
}

/** Watches file_sd files (fs.watch on their directories plus a periodic stat) and reports target changes. */
export function createFileSdWatcher(options: FileSdWatcherOptions): FileSdWatcher {
  if (!(options.pollMs > 0)) throw new TypeError('createFileSdWatcher: pollMs must be > 0');
  const states = new Map<string, FileState>();
  const watchers: FSWatcher[] = [];
  let pollTimer: NodeJS.Timeout | undefined;
  let stopped = true;
  const debounce = new Map<string, NodeJS.Timeout>();
  let lastEmitted = '';

  const emit = (): void => {
    const all: ScrapeTarget[] = [];
    for (const p of options.paths) all.push(...(states.get(p)?.targets ?? []));
    const key = JSON.stringify(all);
    if (key === lastEmitted) return;
    lastEmitted = key;
    options.onTargets(all);
  };

  const reload = async (path: string): Promise<void> => {
    let signature: string;
    try {
      const st = await stat(path);
      signature = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      // A deleted file contributes no targets, as in Prometheus.
      states.set(path, { signature: 'missing', targets: [] });
      return;
    }
    if (states.get(path)?.signature === signature) return;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      options.onError?.(`file_sd ${path}: ${(err as Error).message}`);
      return;
    }
    const parsed = parseFileSd(text, path);
    if (!parsed.ok) {
      // Keep the last good targets: a half-written file must not drop every target.
      options.onError?.(parsed.message);
      const previous = states.get(path);
      states.set(path, { signature, targets: previous?.targets ?? [] });
      return;
    }
    states.set(path, { signature, targets: parsed.targets });
  };

  const refresh = async (): Promise<void> => {
    for (const p of options.paths) await reload(p);
    emit();
  };

  const schedule = (path: string): void => {
    clearTimeout(debounce.get(path));
    debounce.set(
      path,
      setTimeout(() => {
        debounce.delete(path);
        void reload(path).then(() => {
          if (!stopped) emit();
        });
      }, 50),
    );
  };

  return {
    async start() {
      stopped = false;
      const dirs = new Map<string, string[]>();
      for (const p of options.paths) {
        const d = dirname(p);
        dirs.set(d, [...(dirs.get(d) ?? []), p]);
      }
      // Watching the directory, not the file, survives editors and tools that replace files by rename.
      for (const [dir, paths] of dirs) {
        try {
          const w = watch(dir, { persistent: false }, (_event, filename) => {
            for (const p of paths) if (filename === null || filename === basename(p)) schedule(p);
          });
          w.on('error', () => undefined);
          watchers.push(w);
        } catch (err) {
          options.onError?.(`file_sd: cannot watch ${dir}: ${(err as Error).message}; polling only`);
        }
      }
      pollTimer = setInterval(() => {
        void (async () => {
          for (const p of options.paths) await reload(p);
          if (!stopped) emit();
        })();
      }, options.pollMs);
      pollTimer.unref();
      await refresh();
    },
    stop() {
      stopped = true;
      clearInterval(pollTimer);
      for (const t of debounce.values()) clearTimeout(t);
      debounce.clear();
      for (const w of watchers.splice(0)) w.close();
    },
    refresh,
  };
}
