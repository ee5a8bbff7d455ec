import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ERROR_CATALOGUE, GrpcCode, grpcCodeForHttpStatus, httpStatusForGrpcCode, mappedHttpStatuses } from '../src/errors.js';
import { repoRoot } from './helpers/paths.js';

/** `| \`E2E_X\` | 400 | …` rows of a markdown file, as [code, status] (— is 0). */
async function codeRows(file: string): Promise<(string | number)[][]> {
  const text = await readFile(join(repoRoot, file), 'utf8');
  return [...text.matchAll(/^\| `(E2E_[A-Z_]+)` \| (\d+|—) \|/gm)].map((m) => [m[1]!, m[2] === '—' ? 0 : Number(m[2])]);
}

const catalogue = (): (string | number)[][] => Object.entries(ERROR_CATALOGUE).map(([code, v]) => [code, v.status]);

it('docs/error-codes.md lists exactly the codes and statuses of src/errors.ts', async () => {
  assert.deepEqual((await codeRows('docs/error-codes.md')).sort(), catalogue().sort());
});

it('every error code row in the README is one of the catalogue, with its status', async () => {
  const known = new Map(catalogue().map(([c, s]) => [c, s]));
  for (const [code, status] of await codeRows('README.md')) assert.equal(known.get(code), status, `README row ${String(code)}`);
});

it('docs/error-codes.md lists exactly the HTTP → gRPC table of src/errors.ts', async () => {
  const text = await readFile(join(repoRoot, 'docs/error-codes.md'), 'utf8');
  const rows = [...text.matchAll(/^\| (\d{3}) \| `([A-Z_]+)` \| (\d+) \|/gm)].map((m) => [Number(m[1]), m[2], Number(m[3])]);
  const names = new Map(Object.entries(GrpcCode).map(([k, v]) => [v as number, k]));
  assert.deepEqual(
    rows,
    mappedHttpStatuses().map((s) => [s, names.get(grpcCodeForHttpStatus(s)), grpcCodeForHttpStatus(s)]),
  );
});

it('every status of the catalogue has an explicit gRPC code, and the code maps back to an error status', () => {
  for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
    if (status === 0) continue;
    const grpc = grpcCodeForHttpStatus(status);
    assert.notEqual(grpc, GrpcCode.UNKNOWN, `${code} (${status})`);
    assert.ok(httpStatusForGrpcCode(grpc) >= 400, `${code}: ${grpc} maps back to an error`);
  }
  assert.equal(grpcCodeForHttpStatus(418), GrpcCode.UNKNOWN);
  assert.equal(httpStatusForGrpcCode(99), 500);
});
