import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

/**
 * Repository root, found from this file's own location (test/helpers/ under tsx, or
 * dist/test/helpers/ once compiled) rather than the working directory, so tests run from any cwd.
 */
const here = fileURLToPath(new URL('.', import.meta.url));
export const repoRoot = resolve(here, import.meta.url.endsWith('.ts') ? '../..' : '../../..');

/** Third-party test data copied into the repository (see test/fixtures/README.md for sources and licences). */
export const fixturesDir = join(repoRoot, 'test', 'fixtures');
export const otlpExamplesDir = join(fixturesDir, 'otlp-examples');
export const sigv4SuiteDir = join(fixturesDir, 'aws-sigv4-test-suite');
