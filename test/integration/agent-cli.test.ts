import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startCli } from '../helpers/cli.js';
import { agentListeningLine } from '../agent/agent-helpers.js';

test('agent --help and relay --help describe the command and exit 0', async () => {
  for (const cmd of ['agent', 'relay']) {
    const p = startCli([cmd, '--help']);
    const exit = await p.exited;
    assert.equal(exit.code, 0);
    assert.match(p.stdout.join('\n'), new RegExp(`Usage: e2e-o11y ${cmd} --config FILE`));
  }
});

test('a config error names the key and the file and exits non-zero', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-agent-cli-'));
  try {
    const file = join(dir, 'agent.yaml');
    await writeFile(file, 'receivers:\n  otlp: { prot: 1 }\n');
    const p = startCli(['agent', '--config', file]);
    const exit = await p.exited;
    assert.equal(exit.code, 1);
    assert.match(p.stderr.join('\n'), new RegExp(`config error in ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: receivers\\.otlp\\.prot: unknown key`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the agent prints its listening line, serves /healthz and /metrics, and exits 0 on SIGTERM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-agent-cli-'));
  try {
    const file = join(dir, 'agent.yaml');
    await writeFile(
      file,
      stringify({
        dataDir: join(dir, 'data'),
        logLevel: 'warn',
        receivers: { otlp: { host: '127.0.0.1', port: 0 } },
        health: { host: '127.0.0.1', port: 0 },
      }),
    );
    const p = startCli(['agent', '--config', file]);
    try {
      const ports = await p.waitForLine(agentListeningLine);
      assert.equal(await (await fetch(`http://127.0.0.1:${ports.healthPort}/healthz`)).text(), 'ok\n');
      assert.match(await (await fetch(`http://127.0.0.1:${ports.healthPort}/metrics`)).text(), /e2e_agent_queue_depth_bytes/);
      p.kill('SIGTERM');
      assert.equal((await p.exited).code, 0);
    } finally {
      p.kill('SIGKILL');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
