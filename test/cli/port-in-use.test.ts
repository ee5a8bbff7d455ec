import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { escapeRegExp, runCli } from './run-cli.js';

/** A real listener on a port the OS picked, so the command under test finds it taken. */
async function occupyPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { port: address.port, server };
}

interface Case {
  name: string;
  command: 'hub' | 'agent' | 'relay';
  config: (port: number, dir: string) => Record<string, unknown>;
  setting: string;
  env?: string;
}

const cases: Case[] = [
  {
    name: 'hub OTLP port',
    command: 'hub',
    config: (port, dir) => ({ dataDir: join(dir, 'data'), otlp: { host: '127.0.0.1', port }, console: { port: 0 } }),
    setting: 'otlp.port',
    env: 'E2E_OTLP_PORT',
  },
  {
    name: 'hub console port',
    command: 'hub',
    config: (port, dir) => ({ dataDir: join(dir, 'data'), otlp: { host: '127.0.0.1', port: 0 }, console: { host: '127.0.0.1', port } }),
    setting: 'console.port',
    env: 'E2E_CONSOLE_PORT',
  },
  {
    name: 'agent OTLP receiver port',
    command: 'agent',
    config: (port, dir) => ({ dataDir: join(dir, 'agent'), receivers: { otlp: { host: '127.0.0.1', port } }, health: { port: 0 } }),
    setting: 'receivers.otlp.port',
  },
  {
    name: 'agent health port',
    command: 'agent',
    config: (port, dir) => ({ dataDir: join(dir, 'agent'), receivers: { otlp: { host: '127.0.0.1', port: 0 } }, health: { host: '127.0.0.1', port } }),
    setting: 'health.port',
  },
  {
    name: 'relay listen port',
    command: 'relay',
    config: (port) => ({ listen: { host: '127.0.0.1', port }, upstreams: { default: [{ url: 'http://127.0.0.1:9' }] } }),
    setting: 'listen.port',
  },
];

for (const c of cases) {
  test(`a taken ${c.name} stops start-up with one line naming ${c.setting}${c.env === undefined ? '' : ` and ${c.env}`}, exit 1`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-port-in-use-'));
    const { port, server } = await occupyPort();
    try {
      const file = join(dir, `${c.command}.yaml`);
      await writeFile(file, stringify({ logLevel: 'warn', ...c.config(port, dir) }));
      const r = await runCli([c.command, '--config', file]);
      assert.equal(r.code, 1, r.stderr);
      const expected = `port ${port} is already in use (127.0.0.1:${port}): set ${c.setting} in the config (${file})${c.env === undefined ? '' : ` or ${c.env}`}`;
      assert.match(r.stderr, new RegExp(`^e2e-o11y: ${escapeRegExp(expected)}$`, 'm'));
      assert.doesNotMatch(r.stderr, /\n\s+at |EADDRINUSE/, `no raw stack or errno: ${r.stderr}`);
      assert.equal(r.stdout, '', 'never claimed to be listening');
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('the message names the env var when the port came from it and no config file was given', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-port-in-use-'));
  const { port, server } = await occupyPort();
  try {
    const r = await runCli(['hub'], { E2E_CONSOLE_PORT: String(port), E2E_OTLP_PORT: '0', E2E_DATA_DIR: join(dir, 'data') });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`port ${port} is already in use .*: set console\\.port in a config file \\(--config FILE\\) or E2E_CONSOLE_PORT`));
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
