import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startCli, listeningLine } from '../helpers/cli.js';
import { withTempDir } from '../helpers/temp-dir.js';

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [dir];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

test('everything the hub creates in its data directory is private: directories 0700, files 0600', async () => {
  await withTempDir('e2e-modes-', async (dir) => {
    const dataDir = join(dir, 'data');
    const file = join(dir, 'hub.yaml');
    await writeFile(file, stringify({ dataDir, logLevel: 'warn', otlp: { host: '127.0.0.1', port: 0 }, console: { port: 0 } }));
    // A permissive umask, as a shell or a container runtime might hand the process (the child inherits it).
    process.umask(0o022);
    const p = startCli(['hub', '--config', file]);
    try {
      const ports = await p.waitForLine(listeningLine);
      const created = await fetch(`http://127.0.0.1:${ports.consolePort}/api/accounts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${(await readFile(join(dataDir, 'admin.token'), 'utf8')).trim()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id: '111111111111', name: 'shop' }),
      });
      assert.equal(created.status, 201);
      p.kill('SIGTERM');
      assert.equal((await p.exited).code, 0);
    } finally {
      p.kill('SIGKILL');
    }
    const paths = await walk(dataDir);
    const names = paths.map((x) => x.slice(dataDir.length));
    for (const expected of ['/store.duckdb', '/queue', '/admin.token', '/master.key']) assert.ok(names.includes(expected), `${expected} in ${names.join(' ')}`);
    assert.ok(paths.length > 6, names.join(' '));
    for (const path of paths) {
      const s = await stat(path);
      const mode = s.mode & 0o777;
      if (s.isDirectory()) assert.equal(mode, 0o700, `${path} is ${mode.toString(8)}`);
      else assert.equal(mode & 0o077, 0, `${path} is ${mode.toString(8)}`);
    }
  });
});
