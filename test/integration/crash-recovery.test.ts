import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRequest } from '../../src/otlp/index.js';
import { listeningLine, startCli } from '../helpers/cli.js';
import { writeHubConfig } from '../helpers/hub-process.js';
import { logRecord, logsRequest, stringAttr } from '../helpers/otlp-requests.js';

const SENDERS = 8;
const RECORDS_PER_REQUEST = 2;

function request(sender: number, seq: number): Uint8Array {
  const records = Array.from({ length: RECORDS_PER_REQUEST }, (_, k) => logRecord(BigInt(Date.now()) * 1_000_000n, { body: { stringValue: `crash-${sender}-${seq}-${k}` } }));
  return encodeRequest('logs', logsRequest(records, [stringAttr('source.name', `sender-${sender}`)]), 'protobuf');
}

it('every acknowledged item survives kill -9 of the hub exactly once', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-crash-'));
  const configFile = await writeHubConfig(dir, { auth: { none: { accountId: '210987654321' } } });
  const first = startCli(['hub', '--config', configFile]);
  try {
    const ports = await first.waitForLine(listeningLine);
    const acked = new Set<string>();
    let stop = false;
    let sent = 0;
    const sender = async (s: number): Promise<void> => {
      for (let seq = 0; !stop && seq < 120; seq++) {
        try {
          sent++;
          const res = await fetch(`http://127.0.0.1:${ports.otlpPort}/v1/logs`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-protobuf' },
            body: request(s, seq),
          });
          await res.arrayBuffer();
          if (res.status === 200) for (let k = 0; k < RECORDS_PER_REQUEST; k++) acked.add(`crash-${s}-${seq}-${k}`);
        } catch {
          return; // the hub died mid-request: this one was never acknowledged
        }
      }
    };
    const senders = Array.from({ length: SENDERS }, (_, s) => sender(s));
    // Kill the hub while the senders are in full flow.
    while (acked.size < 400) await new Promise((r) => setTimeout(r, 10));
    first.kill('SIGKILL');
    stop = true;
    await Promise.all(senders);
    await first.exited;
    assert.ok(acked.size >= 400);

    const second = startCli(['hub', '--config', configFile]);
    try {
      const p2 = await second.waitForLine(listeningLine);
      const token = (await readFile(join(dir, 'data', 'admin.token'), 'utf8')).trim();
      const counts = new Map<string, number>();
      const deadline = Date.now() + 30_000;
      for (;;) {
        counts.clear();
        for (let s = 0; s < SENDERS; s++) {
          const r = await fetch(`http://127.0.0.1:${p2.consolePort}/api/logs?source=sender-${s}&limit=1000`, { headers: { authorization: `Bearer ${token}` } });
          const body = (await r.json()) as { logs: { body: string; accountId: string }[] };
          for (const l of body.logs) counts.set(l.body, (counts.get(l.body) ?? 0) + 1);
        }
        const missing = [...acked].filter((id) => !counts.has(id));
        if (missing.length === 0 || Date.now() > deadline) {
          assert.deepEqual(missing, [], `${missing.length} acknowledged records missing after restart`);
          break;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const duplicated = [...counts].filter(([, n]) => n > 1);
      assert.deepEqual(duplicated, [], 'no record is stored twice');
      console.log(`# crash test: ${sent} requests sent, ${acked.size} records acknowledged before kill -9, all present once; ${counts.size - acked.size} unacknowledged in-flight records also stored`);
      second.kill('SIGTERM');
      const exit = await second.exited;
      assert.equal(exit.code, 0, 'SIGTERM drains and exits 0');
    } finally {
      second.kill();
    }
  } finally {
    first.kill();
    await rm(dir, { recursive: true, force: true });
  }
});
