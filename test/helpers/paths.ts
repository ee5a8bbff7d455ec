import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Finds `shared/testdata` beside the repository (CI clones main with shared/ beside it). */
function findSharedTestdata(): string {
  let dir = resolve(process.cwd());
  for (;;) {
    const candidate = join(dir, '..', 'shared', 'testdata');
    if (existsSync(candidate)) return resolve(candidate);
    const inside = join(dir, 'shared', 'testdata');
    if (existsSync(inside)) return resolve(inside);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('shared/testdata not found beside the repository');
    dir = parent;
  }
}

export const sharedTestdata = findSharedTestdata();
export const otlpExamplesDir = join(sharedTestdata, 'otlp-examples');
export const sigv4SuiteDir = join(sharedTestdata, 'aws-sigv4-test-suite');
/** Repository root (npm test runs there). */
export const repoRoot = resolve(process.cwd());
