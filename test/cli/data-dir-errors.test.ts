import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { escapeRegExp, runCli } from './run-cli.js';
import { withTempDir } from '../helpers/temp-dir.js';

// Tests run as root, which may write anywhere: a data directory below a regular file is the
// unwritable one that fails for every user.
for (const command of ['hub', 'agent'] as const) {
  test(`${command}: a data directory that cannot be created stops start-up with one line naming it and the setting`, async () => {
    await withTempDir('e2e-data-dir-', async (dir) => {
      await writeFile(join(dir, 'a-file'), '');
      const dataDir = join(dir, 'a-file', 'data');
      const file = join(dir, `${command}.yaml`);
      const listeners = command === 'hub' ? { otlp: { host: '127.0.0.1', port: 0 }, console: { port: 0 } } : { receivers: { otlp: { port: 0 } }, health: { port: 0 } };
      await writeFile(file, stringify({ dataDir, logLevel: 'warn', ...listeners }));
      const r = await runCli([command, '--config', file]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^e2e-o11y: cannot use the data directory: ${escapeRegExp(dataDir)}: a path component is not a directory \\(ENOTDIR\\); .*set dataDir in the config`, 'm'));
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  });
}
