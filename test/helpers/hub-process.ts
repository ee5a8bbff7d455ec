/**
 * A hub in a child process (`e2e-o11y hub --config …`), for tests that need a process of its own:
 * signals, exit codes, or a lower open-files limit than the test runner's.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cliArgs, listeningLine } from './cli.js';
import { deepMerge } from './test-hub.js';
import { repoRoot } from './paths.js';

export interface HubProcess {
  otlpPort: number;
  consolePort: number;
  otlpUrl: string;
  consoleUrl: string;
  adminToken: string;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
  /** SIGKILL if still running, then removes the data directory. */
  close(): Promise<void>;
}

export interface HubProcessOptions {
  /** Merged over a loopback, port-0, auth-none config in a fresh data directory. */
  config?: Record<string, unknown>;
  /** Runs the hub under `ulimit -n <n>` (soft and hard open-files limit). */
  openFilesLimit?: number;
}

/**
 * Writes `dir/hub.yaml` for a hub in a child process: loopback, port 0, auth none, data in
 * `dir/data`, warnings logged; `config` is merged over that. Returns the file's path.
 */
export async function writeHubConfig(dir: string, config: Record<string, unknown> = {}): Promise<string> {
  const configFile = join(dir, 'hub.yaml');
  const base = { dataDir: join(dir, 'data'), logLevel: 'warn', otlp: { host: '127.0.0.1', port: 0 }, console: { host: '127.0.0.1', port: 0 }, auth: { mode: 'none' } };
  await writeFile(configFile, stringify(deepMerge(base, config)));
  return configFile;
}

export async function startHubProcess(options: HubProcessOptions = {}): Promise<HubProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-hubproc-'));
  const configFile = await writeHubConfig(dir, options.config);
  const adminToken = `test-admin-${Math.random().toString(36).slice(2)}`;
  const args = cliArgs(['hub', '--config', configFile]);
  const env = { ...process.env, E2E_ADMIN_TOKEN: adminToken };
  const child =
    options.openFilesLimit === undefined
      ? spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', `ulimit -n ${options.openFilesLimit} && exec "$0" "$@"`, process.execPath, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr }).on('line', (l) => stderr.push(l));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const kill = (signal: NodeJS.Signals = 'SIGKILL'): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const ports = await new Promise<{ otlpPort: number; consolePort: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start; stderr:\n${stderr.join('\n')}`)), 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const p = listeningLine(line);
      if (p !== undefined) {
        clearTimeout(timer);
        resolve(p);
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`hub exited (${code}) before listening; stderr:\n${stderr.join('\n')}`));
    });
  }).catch(async (err: unknown) => {
    kill();
    await rm(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    ...ports,
    otlpUrl: `http://127.0.0.1:${ports.otlpPort}`,
    consoleUrl: `http://127.0.0.1:${ports.consolePort}`,
    adminToken,
    stderr,
    exited,
    kill,
    async close() {
      kill();
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
