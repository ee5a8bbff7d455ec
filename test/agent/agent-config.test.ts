import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentConfigSchema, loadAgentConfig } from '../../src/agent/index.js';
import { ConfigError } from '../../src/errors.js';

async function withFile(yaml: string, fn: (file: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-agent-config-'));
  try {
    const file = join(dir, 'agent.yaml');
    await writeFile(file, yaml);
    await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('every key has the documented default', () => {
  const c = agentConfigSchema.parse({});
  assert.equal(c.dataDir, './agent-data');
  assert.deepEqual(c.receivers.otlp, {
    host: '127.0.0.1',
    port: 4318,
    maxBodyBytes: 10485760,
    maxDecompressedBytes: 67108864,
    requestTimeoutSeconds: 30,
    // connection limits (docs/notes/http.md)
    maxConcurrentRequests: 256,
    maxConnections: 1024,
    maxConnectionsPerClient: 0,
    headersTimeoutSeconds: 10,
    idleTimeoutSeconds: 65,
  });
  assert.equal(c.receivers.prometheus.scrapeIntervalSeconds, 15);
  assert.deepEqual(c.receivers.prometheus.targets, []);
  assert.deepEqual(c.receivers.prometheus.fileSd, []);
  assert.deepEqual(c.resource.attributes, {});
  assert.equal(c.exporters.local.endpoint, null);
  assert.equal(c.exporters.hub.region, 'eu-central-1');
  assert.equal(c.exporters.hub.service, 'execute-api');
  assert.equal(c.exporters.hub.credentials, 'default');
  assert.equal(c.exporters.hub.apiKey, 'fetch');
  assert.deepEqual(c.exporters.hub.include, { metrics: { names: [] }, logs: { attributes: {}, minSeverity: null }, traces: { attributes: {} } });
  assert.deepEqual(c.health, { host: '127.0.0.1', port: 13133, maxConnections: 64 });
  assert.ok(c.queue.maxBytes > 0);
  assert.ok(c.exporters.hub.batch.maxItems > 0 && c.exporters.hub.batch.maxDelayMs >= 0);
});

test('an unknown key stops loading with the key and the file named', async () => {
  await withFile('exporters:\n  hub:\n    endpont: https://hub.example:4318\n', async (file) => {
    await assert.rejects(loadAgentConfig(file, {}), (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /exporters\.hub\.endpont: unknown key/);
      assert.ok(err.message.includes(file));
      return true;
    });
  });
});

test('ill-typed values and a scrape timeout over the interval are refused with their keys', async () => {
  await withFile('receivers:\n  otlp: { port: "x" }\n  prometheus: { scrapeIntervalSeconds: 5, scrapeTimeoutSeconds: 10 }\n', async (file) => {
    await assert.rejects(loadAgentConfig(file, {}), /receivers\.otlp\.port: /);
  });
  await withFile('receivers:\n  prometheus: { scrapeIntervalSeconds: 5, scrapeTimeoutSeconds: 10 }\n', async (file) => {
    await assert.rejects(loadAgentConfig(file, {}), /receivers\.prometheus\.scrapeTimeoutSeconds: must not exceed/);
  });
  await withFile('exporters:\n  hub:\n    include: { logs: { minSeverity: LOUD } }\n', async (file) => {
    await assert.rejects(loadAgentConfig(file, {}), /exporters\.hub\.include\.logs\.minSeverity/);
  });
});

test('credentials: default, static keys, static keys for hub sessions', () => {
  const stat = agentConfigSchema.parse({ exporters: { hub: { credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } } } });
  assert.deepEqual(stat.exporters.hub.credentials, { accessKeyId: 'AK', secretAccessKey: 'SK', session: false });
  const session = agentConfigSchema.parse({ exporters: { hub: { credentials: { accessKeyId: 'AK', secretAccessKey: 'SK', session: true } } } });
  assert.deepEqual(session.exporters.hub.credentials, { accessKeyId: 'AK', secretAccessKey: 'SK', session: true });
  assert.throws(() => agentConfigSchema.parse({ exporters: { hub: { credentials: 'environment' } } }));
  assert.throws(() => agentConfigSchema.parse({ exporters: { hub: { credentials: { accessKeyId: 'AK' } } } }));
});

test('E2E_AGENT_API_KEY overrides the configured key; ${ENV} in resource attributes is resolved at load', async () => {
  await withFile(
    'exporters:\n  hub: { apiKey: fetch }\nresource:\n  attributes: { cloud.account.id: "${ACCOUNT_ID}", k8s.cluster.name: "${CLUSTER:-dev}" }\n',
    async (file) => {
      const c = await loadAgentConfig(file, { E2E_AGENT_API_KEY: 'from-env', ACCOUNT_ID: '123456789012' });
      assert.equal(c.exporters.hub.apiKey, 'from-env');
      assert.deepEqual(c.resource.attributes, { 'cloud.account.id': '123456789012', 'k8s.cluster.name': 'dev' });
      await assert.rejects(loadAgentConfig(file, {}), (err: Error) => err instanceof ConfigError && /ACCOUNT_ID is not set/.test(err.message) && err.message.includes(file));
    },
  );
});
