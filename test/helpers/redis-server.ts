import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A throwaway Debian `redis-server` on a loopback port, no persistence. */
export interface TestRedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (SIGTERM, then SIGKILL); the port stays reserved for `start()`. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop()`), waiting until PING answers. */
  start(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open but nothing answers. */
  pause(): void;
  /** Undoes `pause()` (SIGCONT). */
  resume(): void;
  /** Stops it and removes its working directory. */
  close(): Promise<void>;
}

const READY_ATTEMPTS = 200;
const READY_POLL_MS = 25;
const STOP_GRACE_MS = 5000;

/** Every server still running, killed if the test process exits without closing it. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port assigned');
  return address.port;
}

/** True when a Redis on the port answers PING with PONG. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  // A paused server only sees SIGTERM once continued.
  child.kill('SIGCONT');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
    running.delete(child);
  }
}

/**
 * Starts `redis-server --port <free> --save '' --appendonly no --bind 127.0.0.1` in a temp dir and
 * waits until PING answers.
 */
export async function startRedisServer(): Promise<TestRedisServer> {
  const port = await freeLoopbackPort();
  const dir = await mkdtemp(join(tmpdir(), 'e2e-redis-'));
  let child: ChildProcess | undefined;
  let stderr = '';

  const start = async (): Promise<void> => {
    if (child !== undefined) throw new Error('redis-server already running');
    stderr = '';
    const proc = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', '--dir', dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    running.add(proc);
    child = proc;
    for (let attempt = 0; attempt < READY_ATTEMPTS; attempt++) {
      if (proc.exitCode !== null || proc.signalCode !== null) break;
      if (await pings(port)) return;
      await sleep(READY_POLL_MS);
    }
    await stopChild(proc);
    child = undefined;
    throw new Error(`redis-server on port ${port} did not answer PING (exit ${proc.exitCode ?? proc.signalCode}): ${stderr}`);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc !== undefined) await stopChild(proc);
  };

  try {
    await start();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async close() {
      try {
        await stop();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
