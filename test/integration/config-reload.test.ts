import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { stringify } from 'yaml';
import { loadHubConfig } from '../../src/config/index.js';
import { startHub } from '../../src/hub/hub.js';
import { decodeExportResponse, encodeRequest } from '../../src/otlp/index.js';
import { eventually } from '../helpers/test-hub.js';

const body = encodeRequest(
  'logs',
  {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'source.name', value: { stringValue: 'app' } }], droppedAttributesCount: 0 },
        schemaUrl: '',
        scopeLogs: [{ schemaUrl: '', logRecords: [{ timeUnixNano: 1n, observedTimeUnixNano: 0n, severityNumber: 9, severityText: '', body: { stringValue: 'x' }, attributes: [], droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '' }] }],
      },
    ],
  },
  'protobuf',
);

/**
 * A hub in this process started from `dir/hub.yaml`, written from `base` (loopback, port 0, auth
 * none), with live reload on; `send` posts the one-record logs request (`rejected` -1 unless 200).
 */
async function startReloadingHub(dir: string, logLevel: string, logger: Logger) {
  const file = join(dir, 'hub.yaml');
  const base = { dataDir: join(dir, 'data'), logLevel, otlp: { host: '127.0.0.1', port: 0 }, console: { host: '127.0.0.1', port: 0 }, auth: { mode: 'none' } };
  await writeFile(file, stringify(base));
  const hub = await startHub(await loadHubConfig(file, {}), logger, { configFile: file });
  const send = async (): Promise<{ status: number; rejected: bigint }> => {
    const res = await fetch(`http://127.0.0.1:${hub.otlpAddress.port}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
    const bytes = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, rejected: res.status === 200 ? (decodeExportResponse('logs', bytes, 'protobuf')?.rejected ?? 0n) : -1n };
  };
  return { file, base, hub, send };
}

it('validation rules and usage plans change with the config file, without a restart; a bad edit is refused', { timeout: 30_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-reload-'));
  const { file, base, hub, send } = await startReloadingHub(dir, 'silent', pino({ level: 'silent' }));
  try {
    assert.deepEqual(await send(), { status: 200, rejected: 0n });
    await writeFile(file, stringify({ ...base, validation: { rules: [{ signal: 'logs', attribute: 'team', on: 'record' }] } }));
    await eventually(async () => (await send()).rejected === 1n, 'the new rule drops the record');

    await writeFile(file, stringify({ ...base, validation: { rules: [] }, unknownKey: true }));
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await send()).rejected, 1n, 'an invalid config is refused and the last good one stays');

    await writeFile(file, stringify({ ...base, validation: { rules: [] }, usagePlans: { default: { requestsPerSecond: 0.01, burst: 1 } } }));
    const statuses = await eventually(async () => {
      const a = await send();
      const b = await send();
      return b.status === 429 ? [a.status, b.status] : undefined;
    }, 'the tighter default plan throttles');
    assert.equal(statuses[1], 429);
  } finally {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
});

it('follows a file replaced by rename (editors, ConfigMaps) and names changed keys that need a restart', { timeout: 30_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-reload-'));
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const { file, base, hub, send } = await startReloadingHub(dir, 'info', logger);
  const replace = async (config: Record<string, unknown>): Promise<void> => {
    await writeFile(`${file}.tmp`, stringify(config));
    await rename(`${file}.tmp`, file);
  };
  try {
    await replace({ ...base, validation: { rules: [{ signal: 'logs', attribute: 'team', on: 'record' }] } });
    await eventually(async () => (await send()).rejected === 1n, 'the rule from the replaced file applies');

    await replace({ ...base, validation: { rules: [{ signal: 'logs', attribute: 'team', on: 'record' }] }, queue: { maxBytes: 2 * 1024 * 1024 * 1024 } });
    const warning = await eventually(async () => lines.find((l) => l['msg'] === 'config changed in keys that apply only at the next start'), 'a warning names the key');
    assert.deepEqual(warning['keys'], ['queue']);
  } finally {
    await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
});
