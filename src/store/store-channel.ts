import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/**
 * Where the store worker runs:
 * - `thread` (default): a worker thread of the hub. One Node runtime and one copy of DuckDB's
 *   library in memory, batches moved to it without a copy: measured under the bench load, about
 *   120 MiB less resident than a process and 25 % less CPU per stored item. A native crash in DuckDB takes the hub down with it
 *   (restart and `kill -9` recovery cover that: nothing acknowledged is lost), and so does the
 *   worker reaching its heap limit inside a DuckDB call (its heap holds about one batch: ~10 MiB
 *   used of `maxHeapMb`).
 * - `process`: a forked child process. Costs that memory; a native crash stops only the store,
 *   which the hub restarts, and a record that crashes it repeatedly is skipped.
 */
export type StoreIsolation = 'thread' | 'process';

export interface StoreChannelEvents {
  onMessage(message: FromWorker): void;
  onError(err: Error): void;
  /** The worker ended: its exit code, or the signal that killed the process. */
  onExit(how: string): void;
}

/** How the hub talks to one store worker, whichever way it runs. */
export interface StoreChannel {
  /** Sends a message; a thread is handed an append's batch without a copy (the sender loses it). */
  post(message: ToWorker): void;
  /**
   * Ends the worker as a crash would (a failed open, crash tests). A thread first finishes the
   * DuckDB calls it has in flight: stopping a thread inside a native call aborts the whole process.
   */
  kill(): void;
  /** Ends a worker whose database is closed (or that is already down); waits at most 10 s. */
  end(): Promise<void>;
}

export interface StoreChannelOptions {
  isolation: StoreIsolation;
  /** V8 old-generation limit of the worker. */
  maxHeapMb: number;
}

const WORKER_PATH = fileURLToPath(new URL('./store-worker.js', import.meta.url));
/**
 * The worker's young generation, in MiB per semi-space (V8's young generation is three of them).
 * Measured under the bench load: in a thread, 2 MiB is 15 MiB less resident than 4 at the same
 * CPU; in a process, 1–2 MiB promoted batch garbage to the old generation (40–70 MiB more).
 */
const SEMI_SPACE_MB = { thread: 2, process: 4 } as const;

/** How long ending a thread waits for it to finish its calls in flight. */
const END_WAIT_MS = 10_000;

export function openStoreChannel(options: StoreChannelOptions, events: StoreChannelEvents): StoreChannel {
  return options.isolation === 'thread' ? threadChannel(options, events) : processChannel(options, events);
}

function threadChannel(options: StoreChannelOptions, events: StoreChannelEvents): StoreChannel {
  const worker = new Worker(WORKER_PATH, {
    resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb, maxYoungGenerationSizeMb: 3 * SEMI_SPACE_MB.thread },
  });
  let exited = false;
  const gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (m: FromWorker) => events.onMessage(m));
  worker.on('error', (err) => events.onError(err));
  worker.on('exit', (code) => {
    exited = true;
    events.onExit(`exit code ${code}`);
  });
  return {
    post(message) {
      // A message to a thread that is going away is dropped; the exit handler rejects what is pending.
      if (exited) return;
      const batch = message.type === 'append' ? message.batch.buffer : undefined;
      worker.postMessage(message, batch instanceof ArrayBuffer ? [batch] : []);
    },
    kill() {
      if (!exited) worker.postMessage({ type: 'exit' } satisfies ToWorker);
    },
    async end() {
      if (exited) return;
      // Not terminate(): it would abort the process if a call (a slow close) were still running.
      // A worker stuck in a call is left to end with the process rather than hold its exit.
      worker.postMessage({ type: 'exit' } satisfies ToWorker);
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, END_WAIT_MS).unref())]);
    },
  };
}

function processChannel(options: StoreChannelOptions, events: StoreChannelEvents): StoreChannel {
  // E2E_STORE_NODE_OPTIONS: extra node flags for the store process (e.g. --cpu-prof to profile it).
  const extra = process.env['E2E_STORE_NODE_OPTIONS']?.split(' ').filter((a) => a !== '') ?? [];
  const child = fork(WORKER_PATH, [], {
    // Structured clone over the pipe ('advanced') carries the records' bytes as they are.
    serialization: 'advanced',
    execArgv: [`--max-old-space-size=${options.maxHeapMb}`, `--max-semi-space-size=${SEMI_SPACE_MB.process}`, ...extra],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // glibc gives every thread that allocates its own malloc arena; DuckDB's and libuv's threads
    // would each keep tens of MiB of freed memory resident. Two arenas bound that. A fixed mmap
    // threshold keeps the batch buffers (MiBs, freed after each append) out of the heap, which
    // otherwise grows by the largest one and stays (glibc raises the threshold after each free).
    // Measured under the bench load: the store process's resident memory 150 → 130 MiB. DuckDB's
    // allocator returns freed pages at once (as the hub's CLI sets it: see src/cli/main.ts).
    env: { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '262144', DUCKDB_JE_MALLOC_CONF: 'dirty_decay_ms:0,muzzy_decay_ms:0', ...process.env },
  });
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (m: FromWorker) => events.onMessage(m));
  child.on('error', (err) => events.onError(err));
  child.on('exit', (code, signal) => events.onExit(signal !== null ? signal : `exit code ${code ?? -1}`));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    post(message) {
      if (!child.connected) return;
      // A send racing the process's death fails; the exit handler rejects what is pending.
      child.send(message, (err) => {
        if (err !== null) events.onError(new Error(`message to the store process not delivered: ${err.message}`));
      });
    },
    kill() {
      // As a native crash or the OOM killer would: no chance to clean up.
      if (running()) child.kill('SIGKILL');
    },
    async end() {
      if (!running()) return;
      // Closing the channel makes it exit (store-worker.ts); a process that does not is killed.
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
