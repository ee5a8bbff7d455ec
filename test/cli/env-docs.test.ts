import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { runCli } from './run-cli.js';

/**
 * Every environment variable a --help names is documented for operators: in the README or, until
 * the lead folds it in, docs/notes/packaging.md.
 */
test('every environment variable that --help mentions is documented', async () => {
  const docs = await Promise.all(
    ['README.md', 'docs/notes/packaging.md'].map((f) => readFile(join(repoRoot, f), 'utf8').catch(() => '')),
  );
  const named = new Set<string>();
  for (const args of [['--help'], ['hub', '--help'], ['agent', '--help'], ['relay', '--help'], ['demo', '--help'], ['accounts', '--help']]) {
    const r = await runCli(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    for (const m of r.stdout.matchAll(/\b(E2E_[A-Z0-9_]+|AWS_[A-Z0-9_]+)\b/g)) named.add(m[1]!);
  }
  assert.ok(named.has('E2E_OTLP_PORT') && named.has('E2E_AGENT_API_KEY') && named.has('E2E_CONSOLE_URL'), [...named].join(' '));
  const undocumented = [...named].filter((v) => !docs.some((d) => d.includes(`\`${v}\``)));
  assert.deepEqual(undocumented, []);
});
