import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';

/** Child processes the benchmark measures from the outside, as an operator would. */
export const root = resolve(new URL('../..', import.meta.url).pathname);
const CLK_TCK = 100;

export interface Child {
  child: ChildProcess;
  /** Listening ports by name (otlp, console, health…). */
  ports: Record<string, number>;
  stop(): Promise<void>;
}

/** Starts `args` and resolves once `ready(line)` returns ports from one of its JSON log lines. */
export function startChild(args: string[], ready: (line: Record<string, unknown>) => Record<string, number> | undefined, env: Record<string, string> = {}): Promise<Child> {
  const child = spawn(process.execPath, [...(process.env["BENCH_NODE_OPTIONS"]?.split(" ").filter(Boolean) ?? []), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  return new Promise((res, rej) => {
    let done = false;
    // Logs go to stderr (the hub's, the agent's), the baseline prints to stdout: read both.
    const onLine = (line: string): void => {
      if (done) return;
      try {
        const ports = ready(JSON.parse(line) as Record<string, unknown>);
        if (ports !== undefined) {
          done = true;
          res({
            child,
            ports,
            stop: () =>
              new Promise<void>((r) => {
                if (child.exitCode !== null) return r();
                child.once('exit', () => r());
                child.kill('SIGTERM');
                setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
              }),
          });
        }
      } catch {
        // not a JSON line
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('exit', (code) => {
      if (!done) rej(new Error(`${args.join(' ')} exited with ${code} before it was ready`));
    });
  });
}

function portOf(address: unknown): number | undefined {
  return typeof address === 'string' ? Number(address.split(':').pop()) : undefined;
}

const CLI = join(root, 'dist/src/cli/main.js');

/**
 * `e2e-o11y <command> --config <file>` started as the installed command starts it: with the
 * environment and node flags of the CLI's shebang (`#!/usr/bin/env -S NAME=value node --flag`),
 * which `npm start` and the image share.
 */
async function cli(command: string, file: string): Promise<{ args: string[]; env: Record<string, string> }> {
  const words = ((await readFile(CLI, 'utf8')).split('\n', 1)[0] ?? '').split(' ');
  const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split('=', 2) as [string, string]));
  return { args: [...words.filter((w) => w.startsWith('--')), CLI, command, '--config', file], env };
}

/** A hub (`e2e-o11y hub`) with `config`, ready when it logged "hub started". */
export async function startHub(dir: string, name: string, config: Record<string, unknown>, adminToken: string): Promise<Child> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, stringify(config));
  const { args, env } = await cli('hub', file);
  return startChild(
    args,
    // The CLI prints `{"event":"listening","otlp","console"}` on stdout whatever the log level.
    (l) => {
      if (l['event'] !== 'listening') return undefined;
      const otlp = portOf(l['otlp']);
      const consolePort = typeof l['console'] === 'string' ? Number(new URL(l['console']).port) : undefined;
      return otlp === undefined || consolePort === undefined ? undefined : { otlp, console: consolePort };
    },
    { ...env, E2E_ADMIN_TOKEN: adminToken, E2E_LOG_FORMAT: 'json' },
  );
}

/** An agent (`e2e-o11y agent`), ready when it logged "agent started". */
export async function startAgent(dir: string, config: Record<string, unknown>): Promise<Child> {
  const file = join(dir, 'agent.yaml');
  await writeFile(file, stringify(config));
  const { args, env } = await cli('agent', file);
  return startChild(args, (l) => {
    if (l['event'] !== 'listening') return undefined;
    const otlp = portOf(l['otlp']);
    return otlp === undefined ? undefined : { otlp };
  }, { ...env, E2E_LOG_FORMAT: 'json' });
}

export function startBaseline(): Promise<Child> {
  return startChild([join(root, 'dist/bench/baseline-server.js')], (l) => (l['event'] === 'listening' && typeof l['port'] === 'number' ? { otlp: l['port'] } : undefined));
}

/** Fields of /proc/<pid>/stat after the parenthesised command name (field 3 is index 0). */
async function statFields(pid: number): Promise<string[] | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** `pid` and all its descendants (the hub and its store process). */
async function processTree(pid: number): Promise<number[]> {
  const parents = new Map<number, number[]>();
  for (const name of await readdir('/proc')) {
    const child = Number(name);
    if (!Number.isInteger(child)) continue;
    const ppid = Number((await statFields(child))?.[1]);
    if (!Number.isInteger(ppid)) continue;
    const list = parents.get(ppid) ?? [];
    list.push(child);
    parents.set(ppid, list);
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    out.push(p);
    for (const c of parents.get(p) ?? []) walk(c);
  };
  walk(pid);
  return out;
}

/**
 * CPU seconds (user + system, every thread) a process and its descendants used so far, including
 * children that already exited (cutime/cstime), so the store process counts as the hub's own cost.
 */
export async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  let ticks = 0;
  for (const p of await processTree(pid)) {
    const f = await statFields(p);
    if (f === undefined) continue;
    // utime, stime, cutime, cstime are fields 14–17.
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  }
  return ticks / CLK_TCK;
}

/** The sum over a process and its descendants of one `<name>: <n> kB` line of /proc/<pid>/<file>. */
async function treeKb(pid: number, file: string, line: RegExp): Promise<number> {
  let kb = 0;
  for (const p of await processTree(pid)) {
    const m = line.exec(await readFile(`/proc/${p}/${file}`, 'utf8').catch(() => ''));
    if (m) kb += Number(m[1]);
  }
  return kb;
}

/** Peak resident set (VmHWM) of a process and its descendants, in MiB. */
export async function peakRssMb(pid: number | undefined): Promise<number> {
  if (pid === undefined) return NaN;
  return Math.round((await treeKb(pid, 'status', /VmHWM:\s+(\d+) kB/)) / 1024);
}

/**
 * Samples the proportional set size (PSS) of a process and its descendants until stopped, keeping
 * the largest sum. PSS splits shared pages (the node binary and DuckDB's library, mapped by both the
 * hub and its store process) between their users, so the sum is the memory the tree really holds;
 * a sum of VmHWM would count those ~70 MiB twice.
 */
export function samplePeakPss(pid: number | undefined, everyMs = 200): { stop(): Promise<number> } {
  let peakKb = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped && pid !== undefined) {
      peakKb = Math.max(peakKb, await treeKb(pid, 'smaps_rollup', /^Pss:\s+(\d+) kB/m));
      await new Promise((res) => setTimeout(res, everyMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return Math.round(peakKb / 1024);
    },
  };
}

/** The value of one sample of the hub's /metrics (label order as the registry prints it). */
export async function metric(consolePort: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${consolePort}/metrics`)).text();
  const wanted = Object.entries(labels);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.some(([k, v]) => !line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
