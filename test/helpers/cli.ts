import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** True when the tests run from TypeScript sources under tsx, false when compiled into dist/. */
export const runningFromSource = import.meta.url.endsWith('.ts');

/** node arguments that run the e2e-o11y CLI: the sources under tsx, else the compiled build. */
export function cliArgs(args: string[]): string[] {
  return runningFromSource ? ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args] : [join(repoRoot, 'dist/src/cli/main.js'), ...args];
}

export interface CliProcess {
  child: ChildProcess;
  /** Lines printed on stdout so far. */
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line for which `match` returns a value. */
  waitForLine<T>(match: (line: string) => T | undefined, timeoutMs?: number): Promise<T>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, cliArgs(args), { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const listeners = new Set<(line: string) => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    stdout.push(line);
    for (const l of listeners) l(line);
  });
  createInterface({ input: child.stderr }).on('line', (line) => stderr.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    stdout,
    stderr,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    waitForLine<T>(match: (line: string) => T | undefined, timeoutMs = 30_000): Promise<T> {
      return new Promise((resolve, reject) => {
        for (const line of stdout) {
          const v = match(line);
          if (v !== undefined) return resolve(v);
        }
        const timer = setTimeout(() => {
          listeners.delete(onLine);
          reject(new Error(`no matching output within ${timeoutMs} ms; stderr:\n${stderr.slice(-20).join('\n')}`));
        }, timeoutMs);
        const onLine = (line: string): void => {
          const v = match(line);
          if (v !== undefined) {
            clearTimeout(timer);
            listeners.delete(onLine);
            resolve(v);
          }
        };
        listeners.add(onLine);
        void exited.then(({ code, signal }) => {
          if (listeners.delete(onLine)) {
            clearTimeout(timer);
            reject(new Error(`process exited (${code ?? signal}) before the expected output; stderr:\n${stderr.slice(-20).join('\n')}`));
          }
        });
      });
    },
  };
}

/** Parses the hub's `{"event":"listening",...}` line into its ports. */
export function listeningLine(line: string): { otlpPort: number; consolePort: number } | undefined {
  try {
    const v = JSON.parse(line) as { event?: string; otlp?: string; console?: string };
    if (v.event !== 'listening' || v.otlp === undefined || v.console === undefined) return undefined;
    return { otlpPort: Number(v.otlp.split(':').pop()), consolePort: Number(new URL(v.console).port) };
  } catch {
    return undefined;
  }
}

export const thisDir = (url: string): string => fileURLToPath(new URL('.', url));
