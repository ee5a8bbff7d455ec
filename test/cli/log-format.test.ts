import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startCli, listeningLine } from '../helpers/cli.js';
import { resolveLogFormat } from '../../src/hub/logger.js';
import { withTempDir } from '../helpers/temp-dir.js';

test('logFormat unset: pretty on a terminal, JSON otherwise; a configured format wins', () => {
  assert.equal(resolveLogFormat(undefined, { isTTY: true }), 'pretty');
  assert.equal(resolveLogFormat(undefined, { isTTY: false }), 'json');
  assert.equal(resolveLogFormat(undefined, {}), 'json');
  assert.equal(resolveLogFormat('json', { isTTY: true }), 'json');
  assert.equal(resolveLogFormat('pretty', { isTTY: false }), 'pretty');
});

async function hubLog(format: 'json' | 'pretty' | undefined): Promise<string[]> {
  return withTempDir('e2e-log-format-', async (dir) => {
    const file = join(dir, 'hub.yaml');
    await writeFile(
      file,
      stringify({ dataDir: join(dir, 'data'), ...(format === undefined ? {} : { logFormat: format }), otlp: { host: '127.0.0.1', port: 0 }, console: { port: 0 } }),
    );
    // The admin token in the environment must never reach the log, in either format.
    const p = startCli(['hub', '--config', file], { E2E_ADMIN_TOKEN: 'tok-0123456789abcdef0123456789abcdef' });
    try {
      await p.waitForLine(listeningLine);
      p.kill('SIGTERM');
      assert.equal((await p.exited).code, 0);
      await new Promise((r) => setImmediate(r));
      return p.stderr;
    } finally {
      p.kill('SIGKILL');
    }
  });
}

test('logFormat: json writes one JSON object per line (also the default on a pipe)', async () => {
  for (const format of ['json', undefined] as const) {
    const lines = (await hubLog(format)).filter((l) => l.startsWith('{'));
    const started = lines.map((l) => JSON.parse(l) as { msg?: string; level?: number; name?: string }).find((l) => l.msg === 'hub started');
    assert.ok(started !== undefined, `hub started as JSON (${String(format)}): ${lines.join('\n')}`);
    assert.equal(started.level, 30);
    assert.equal(started.name, 'e2e-o11y-hub');
    assert.ok(!lines.join('\n').includes('tok-0123456789abcdef'));
  }
});

test('logFormat: pretty writes readable lines through pino-pretty, flushed before exit', async () => {
  const lines = await hubLog('pretty');
  const text = lines.join('\n');
  assert.match(text, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(e2e-o11y-hub\): hub started$/m);
  assert.match(text, /INFO \(e2e-o11y-hub\): hub stopped/, 'the last line reaches the terminal before exit');
  assert.ok(!lines.some((l) => l.startsWith('{"level"')), 'no JSON lines');
  assert.ok(!text.includes('tok-0123456789abcdef'));
});
