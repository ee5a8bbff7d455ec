import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { escapeRegExp, runCli } from './run-cli.js';
import { withTempDir } from '../helpers/temp-dir.js';

/** Variables the example agent configs reference as ${NAME} in resource attributes. */
const exampleEnv = { HOSTNAME: 'host-1', CLUSTER_NAME: 'orders-eks' };

test('every config in examples/ passes --check-config of its command', async () => {
  const checked: string[] = [];
  for (const variant of await readdir(join(repoRoot, 'examples'), { withFileTypes: true })) {
    if (!variant.isDirectory()) continue;
    for (const file of await readdir(join(repoRoot, 'examples', variant.name))) {
      const command = /^(hub|agent|relay)\.yaml$/.exec(file)?.[1];
      if (command === undefined) continue;
      const path = join(repoRoot, 'examples', variant.name, file);
      const r = await runCli([command, '--check-config', path], exampleEnv);
      assert.equal(r.code, 0, `${path}: ${r.stderr}`);
      assert.match(r.stdout, /configuration is valid/);
      checked.push(`${variant.name}/${file}`);
    }
  }
  assert.deepEqual(checked.sort(), ['embedded/agent.yaml', 'embedded/hub.yaml', 'embedded/relay.yaml', 'scale-out/agent.yaml', 'scale-out/hub.yaml', 'scale-out/relay.yaml']);
});

test('--check-config exits 1 naming the key and the file, for hub, agent and relay', async () => {
  await withTempDir('e2e-check-config-', async (dir) => {
    const cases = [
      { command: 'hub', yaml: 'otlp:\n  maxBodyByte: 5\n', expect: 'otlp.maxBodyByte: unknown key' },
      { command: 'hub', yaml: 'otlp: { port: 5000 }\nconsole: { port: 5000 }\n', expect: 'console.port: 5000 is also otlp.port' },
      { command: 'hub', yaml: 'limits: { store: "redis.internal:6379" }\n', expect: 'limits.store: must be memory or a redis://' },
      { command: 'hub', yaml: 'logFormat: fancy\n', expect: 'logFormat' },
      { command: 'agent', yaml: 'receivers:\n  otlp: { prot: 1 }\n', expect: 'receivers.otlp.prot: unknown key' },
      { command: 'agent', yaml: 'receivers: { otlp: { port: 7000 } }\nhealth: { port: 7000 }\n', expect: 'health.port: 7000 is also receivers.otlp.port' },
      { command: 'relay', yaml: 'listen: { port: 4318 }\n', expect: 'upstreams: at least one upstream is required' },
      { command: 'relay', yaml: 'upstreams: { default: [{ url: "not a url" }] }\n', expect: 'upstreams.default.0.url' },
    ];
    for (const [i, c] of cases.entries()) {
      const file = join(dir, `${c.command}-${i}.yaml`);
      await writeFile(file, c.yaml);
      const r = await runCli([c.command, '--check-config', file]);
      assert.equal(r.code, 1, `${c.command} ${c.yaml}: ${r.stdout}`);
      assert.match(r.stderr, new RegExp(`config error in ${escapeRegExp(file)}: .*${escapeRegExp(c.expect)}`));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
    const missing = await runCli(['hub', '--check-config', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read config file .*nope\.yaml: ENOENT/);
  });
});

test('--check-config applies the environment as start-up does', async () => {
  await withTempDir('e2e-check-config-', async (dir) => {
    const file = join(dir, 'hub.yaml');
    await writeFile(file, 'console: { port: 3000 }\n');
    assert.equal((await runCli(['hub', '--check-config', file])).code, 0);
    const clash = await runCli(['hub', '--check-config', file], { E2E_OTLP_PORT: '3000' });
    assert.equal(clash.code, 1);
    assert.match(clash.stderr, /console\.port: 3000 is also otlp\.port/);
    const badPort = await runCli(['hub', '--check-config', file], { E2E_OTLP_PORT: 'http' });
    assert.equal(badPort.code, 1);
    assert.match(badPort.stderr, /E2E_OTLP_PORT=http is not a port number/);
  });
});
