import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertmanagerAlert } from '../../src/alerts/index.js';
import { freePort } from './prometheus-process.js';

const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

/** An alert as Alertmanager's `GET /api/v2/alerts` lists it (gettableAlert): the postable alert and its state. */
export interface GettableAlert extends AlertmanagerAlert {
  status: { state: string };
}

/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on a free loopback port, clustering off,
 * with its own temp dir for config and `--storage.path`. Notifications go to `webhookUrl` at once
 * (group_wait 0 s, group_interval 1 s) so a test sees firing and resolved notifications quickly.
 */
export class AlertmanagerProcess {
  readonly dir: string;
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #log: string[] = [];
  readonly #killOnExit = (): void => {
    this.#child.kill('SIGKILL');
  };

  private constructor(dir: string, url: string, child: ChildProcess) {
    this.dir = dir;
    this.url = url;
    this.#child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#log.push(chunk);
      if (this.#log.length > 200) this.#log.shift();
    });
  }

  static async start(webhookUrl: string): Promise<AlertmanagerProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-am-'));
    await writeFile(
      join(dir, 'alertmanager.yml'),
      [
        'route:',
        '  receiver: hook',
        "  group_by: ['alertname']",
        '  group_wait: 0s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: hook',
        '    webhook_configs:',
        `      - url: '${webhookUrl}'`,
        '        send_resolved: true',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const child = spawn(
      ALERTMANAGER_BIN,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const am = new AlertmanagerProcess(dir, `http://127.0.0.1:${port}`, child);
    process.once('exit', am.#killOnExit);
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`alertmanager exited with ${child.exitCode}:\n${am.log()}`);
      try {
        if ((await fetch(`${am.url}/-/ready`)).status === 200) return am;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await am.dispose();
    throw new Error(`alertmanager did not become ready:\n${am.log()}`);
  }

  /** Alerts Alertmanager holds as active (resolved ones, endsAt in the past, are not listed). */
  async alerts(): Promise<GettableAlert[]> {
    const res = await fetch(`${this.url}/api/v2/alerts`);
    if (res.status !== 200) throw new Error(`GET /api/v2/alerts: ${res.status} ${await res.text()}`);
    return (await res.json()) as GettableAlert[];
  }

  log(): string {
    return this.#log.join('');
  }

  async dispose(): Promise<void> {
    const child = this.#child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    process.removeListener('exit', this.#killOnExit);
    await rm(this.dir, { recursive: true, force: true });
  }
}
