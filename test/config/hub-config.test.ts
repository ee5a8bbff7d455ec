import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHubConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors.js';
import { startCli } from '../helpers/cli.js';

async function withFile(text: string, fn: (file: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-config-'));
  try {
    const file = join(dir, 'hub.yaml');
    await writeFile(file, text);
    await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('hub configuration', () => {
  it('has a default for every key (DESIGN.md values)', async () => {
    const c = await loadHubConfig(undefined, {});
    assert.equal(c.dataDir, './data');
    assert.equal(c.tenant, 'e2e');
    assert.equal(c.otlp.port, 4318);
    assert.equal(c.otlp.host, '0.0.0.0');
    assert.equal(c.otlp.maxBodyBytes, 10485760);
    assert.equal(c.otlp.maxDecompressedBytes, 67108864);
    assert.equal(c.console.host, '127.0.0.1');
    assert.equal(c.console.port, 3000);
    assert.equal(c.auth.mode, 'sigv4');
    assert.equal(c.auth.sigv4.region, 'eu-central-1');
    assert.equal(c.auth.sigv4.service, 'execute-api');
    assert.equal(c.auth.sigv4.maxSkewSeconds, 300);
    assert.equal(c.queue.maxBytes, 1073741824);
    assert.equal(c.limits.store, 'memory');
    assert.deepEqual(c.validation.rules, [
      { signal: 'metrics', attribute: 'source.name', on: 'datapoint' },
      { signal: 'logs', attribute: 'source.name', on: 'resource' },
      { signal: 'traces', attribute: 'source.name', on: 'resource' },
    ]);
  });

  it('env overrides ports and the data directory', async () => {
    const c = await loadHubConfig(undefined, { E2E_OTLP_PORT: '14318', E2E_CONSOLE_PORT: '13000', E2E_DATA_DIR: '/tmp/x' });
    assert.equal(c.otlp.port, 14318);
    assert.equal(c.console.port, 13000);
    assert.equal(c.dataDir, '/tmp/x');
    await assert.rejects(loadHubConfig(undefined, { E2E_OTLP_PORT: 'abc' }), /E2E_OTLP_PORT/);
  });

  it('an unknown key names the key and the file', async () => {
    await withFile('otlp:\n  maxBodyByte: 5\n', async (file) => {
      await assert.rejects(loadHubConfig(file, {}), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /otlp\.maxBodyByte: unknown key/);
        assert.ok(err.message.includes(file));
        return true;
      });
    });
  });

  it('an ill-typed key names the key', async () => {
    await withFile('queue:\n  maxBytes: "lots"\nauth:\n  mode: magic\n', async (file) => {
      await assert.rejects(loadHubConfig(file, {}), (err: Error) => {
        assert.match(err.message, /queue\.maxBytes: .*expected number/);
        assert.match(err.message, /auth\.mode: .*sigv4/);
        return true;
      });
    });
  });

  it('the CLI refuses to start on an unknown key, naming it, with exit code 1', async () => {
    await withFile('tennant: acme\n', async (file) => {
      const p = startCli(['hub', '--config', file]);
      const exit = await p.exited;
      assert.equal(exit.code, 1);
      const err = p.stderr.join('\n');
      assert.match(err, /tennant: unknown key/);
      assert.ok(err.includes(file));
    });
  });
});
