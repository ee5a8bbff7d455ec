import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ERROR_CATALOGUE } from '../src/errors.js';
import { repoRoot } from './helpers/paths.js';

it('the README error table lists exactly the codes and statuses of src/errors.ts', async () => {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| `(E2E_[A-Z_]+)` \| (\d+|—) \|/gm)].map((m) => [m[1], m[2] === '—' ? 0 : Number(m[2])]);
  const expected = Object.entries(ERROR_CATALOGUE).map(([code, v]) => [code, v.status]);
  assert.deepEqual(rows.sort(), expected.sort());
});
