import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoRoot } from '../helpers/paths.js';
import { runCli } from './run-cli.js';

test('--version prints the version from package.json and exits 0', async () => {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v', 'version']) {
    const r = await runCli([flag]);
    assert.equal(r.code, 0, flag);
    assert.equal(r.stdout.trim(), pkg.version, flag);
  }
});

test('the top-level help lists --check-config and --version', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--check-config FILE/);
  assert.match(r.stdout, /--version/);
});

test('after npm ci, `npx e2e-o11y` runs the project\'s own binary (as the README says)', async () => {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  // --no-install: never fetch a package of that name from the registry.
  const { stdout } = await promisify(execFile)('npx', ['--no-install', 'e2e-o11y', '--version'], { cwd: repoRoot, timeout: 60_000 });
  assert.equal(stdout.trim(), pkg.version);
});
