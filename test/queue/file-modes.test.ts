import assert from 'node:assert/strict';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDurableQueue } from '../../src/queue/index.js';
import { drain, flipByte, makeTempDir, record, segmentFiles } from './temp-dir.js';

async function modes(dir: string, out: Map<string, number> = new Map()): Promise<Map<string, number>> {
  out.set(dir, (await stat(dir)).mode);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await modes(path, out);
    else out.set(path, (await stat(path)).mode);
  }
  return out;
}

void test('segments, cursors and quarantine files are 0600, their directories 0700, even in a 0755 directory', async (t) => {
  const { dir: parent, cleanup } = await makeTempDir('modes');
  t.after(cleanup);
  const dir = join(parent, 'queue');
  await mkdir(dir, { mode: 0o755 });
  const queue = await createDurableQueue({ dir, maxBytes: 1 << 20, segmentBytes: 256, onCorruption: () => undefined });
  const reader = queue.reader('r');
  for (let i = 0; i < 20; i++) assert.equal(await queue.append(record(`m-${i}`.padEnd(40, '.'))), 'ok');
  await reader.ack((await drain(reader, queue))[3]!.next);
  await queue.close();
  await flipByte(join(dir, (await segmentFiles(dir))[1]!), 50);
  const again = await createDurableQueue({ dir, maxBytes: 1 << 20, onCorruption: () => undefined });
  await again.close();

  const all = await modes(dir);
  const dirs = [...all].filter(([, m]) => (m & 0o170000) === 0o040000);
  const files = [...all].filter(([, m]) => (m & 0o170000) === 0o100000);
  assert.deepEqual(dirs.map(([p]) => p.slice(dir.length)).sort(), ['', '/cursors', '/quarantine']);
  for (const [p, m] of dirs) assert.equal(m & 0o777, 0o700, p);
  assert.ok(files.some(([p]) => p.endsWith('.seg')) && files.some(([p]) => p.includes('/cursors/')) && files.some(([p]) => p.endsWith('.bin')));
  for (const [p, m] of files) assert.equal(m & 0o777, 0o600, p);
});
