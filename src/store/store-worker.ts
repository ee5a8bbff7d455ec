import { parentPort } from 'node:worker_threads';
import { readRecord } from '../pipeline/queue-record.js';
import { openDuckDbStore, type DuckDbStore, type StoredRecord } from './duckdb-store.js';
import * as reads from './read-queries.js';
import { unpackBatch, type FromWorker, type QueryMethod, type ToWorker } from './worker-protocol.js';
import type { InstanceQuery, LogQuery, MetricQuery, ProcessDefinitionForStore, TraceSearchQuery } from './types.js';

/**
 * The store worker: owns the DuckDB database, appends queue records (decoded once, straight into
 * columns) and answers queries, so none of that work runs on the ingest event loop. It runs as a
 * worker thread of the hub or as a child process (store-channel.ts says why either).
 *
 * It never stops inside a DuckDB call: a thread stopped while native work is in flight aborts the
 * whole process. An uncaught error or an `exit` request stops it taking work; it exits (code 1)
 * when the calls in flight are done, and the hub restarts it at its committed cursor.
 */
const port = workerPort();

let store: DuckDbStore | undefined;
let inFlight = 0;
let exiting = false;
const send = (message: FromWorker): void => port.send(message);
/** The error answer to request `id`; `name` keeps the kind of error (see FromWorker). */
const replyError = (id: number, message: string, name = 'Error'): void => send({ type: 'reply', id, ok: false, message, name });
const log = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void =>
  send(fields === undefined ? { type: 'log', level, message } : { type: 'log', level, message, fields });

/** The hub's end: the thread's parent port, or the process's IPC channel. */
function workerPort(): { send(message: FromWorker): void; onMessage(fn: (message: ToWorker) => void): void } {
  if (parentPort !== null) {
    const p = parentPort;
    return { send: (m) => p.postMessage(m), onMessage: (fn) => p.on('message', fn) };
  }
  const parentSend = process.send?.bind(process);
  if (parentSend === undefined) throw new Error('store-worker.js must be started by the hub (as a worker thread or with an IPC channel)');
  // The hub went away (even by kill -9): release the database file at once so a new hub can open it.
  process.on('disconnect', () => process.exit(0));
  return { send: (m) => parentSend(m), onMessage: (fn) => process.on('message', fn) };
}

function exitWhenIdle(): void {
  exiting = true;
  if (inFlight === 0) process.exit(1);
}

async function query(s: DuckDbStore, method: QueryMethod, args: unknown[]): Promise<unknown> {
  switch (method) {
    case 'getTrace':
      return reads.getTrace(s, args[0] as string);
    case 'queryLogs':
      return reads.queryLogs(s, args[0] as LogQuery);
    case 'queryMetrics':
      return reads.queryMetrics(s, args[0] as MetricQuery);
    case 'metricNames':
      return reads.metricNames(s, args[0] as { accounts?: readonly string[] });
    case 'searchTraces':
      return reads.searchTraces(s, args[0] as TraceSearchQuery);
    case 'processInstances':
      return reads.processInstances(s, args[0] as ProcessDefinitionForStore, args[1] as InstanceQuery);
    case 'processInstance':
      return reads.processInstance(s, args[0] as ProcessDefinitionForStore, args[1] as string);
    case 'counts':
      return reads.counts(s);
  }
}

async function handle(message: Exclude<ToWorker, { type: 'exit' }>): Promise<void> {
  if (message.type === 'open') {
    try {
      store = await openDuckDbStore({ ...message.options, log });
      send({ type: 'ready', cursor: store.cursor });
    } catch (err) {
      send({ type: 'open-failed', message: err instanceof Error ? err.message : String(err) });
    }
    return;
  }
  if (message.type === 'processes') {
    store?.setProcesses(message.defs);
    return;
  }
  const s = store;
  if (s === undefined) {
    replyError(message.id, 'the store is not open');
    return;
  }
  try {
    let value: unknown;
    switch (message.type) {
      case 'append': {
        const records: StoredRecord[] = [];
        let damaged = 0;
        for (const r of unpackBatch(message.batch)) {
          const read = readRecord(r.data);
          if (read.ok) records.push({ position: r.position, record: read.record });
          else damaged++;
        }
        const result = await s.append(records, message.cursor);
        value = { items: result.items, damaged: result.damaged + damaged };
        break;
      }
      case 'query':
        value = await query(s, message.method, message.args);
        break;
      case 'retain':
        value = await s.retain(message.nowMs);
        break;
      case 'stats':
        value = await s.diskStats();
        break;
      case 'close':
        await s.close();
        store = undefined;
        value = true;
        break;
    }
    send({ type: 'reply', id: message.id, ok: true, value });
  } catch (err) {
    if (err instanceof Error) replyError(message.id, err.message, err.name);
    else replyError(message.id, String(err));
  }
}

port.onMessage((message: ToWorker) => {
  if (message.type === 'exit') return exitWhenIdle();
  if (exiting) {
    if ('id' in message) replyError(message.id, 'the store worker is stopping');
    return;
  }
  inFlight++;
  void handle(message).finally(() => {
    inFlight--;
    if (exiting && inFlight === 0) process.exit(1);
  });
});

process.on('uncaughtException', (err) => {
  log('error', 'embedded store: uncaught error in the store worker; it stops and is restarted', { err: { message: err.message, stack: err.stack } });
  exitWhenIdle();
});
