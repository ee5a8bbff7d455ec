import { decodeRequest, encodeRequest } from '../src/otlp/index.js';
import type { Signal } from '../src/otlp/model.js';
import { DEFAULT_OTLP_LIMITS, compileScanPolicy, editRequest } from '../src/otlp/scan/index.js';
import { benchPayload } from './payloads.js';

/**
 * Codec micro-benchmark: the one-pass scan (validate, limit, stamp, copy) against a full decode and
 * against the old path (decode → validate → encode), per request of 100 items × 20 attributes.
 * Prints one JSON line per signal.
 */
const RULES = [
  { signal: 'metrics', attribute: 'source.name', on: 'datapoint' },
  { signal: 'logs', attribute: 'source.name', on: 'resource' },
  { signal: 'traces', attribute: 'source.name', on: 'resource' },
] as const;

function time(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(200, iterations); i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

export function runCodecBench(iterations = 3000): void {
  for (const signal of ['traces', 'logs', 'metrics'] as Signal[]) {
    const body = benchPayload(signal, 100);
    const policy = compileScanPolicy({ signal, limits: DEFAULT_OTLP_LIMITS, rules: RULES, setResourceAttributes: { 'e2e.account.id': '123456789012' } });
    const scanUs = time(iterations, () => {
      const out = editRequest(policy, body, { headroomBytes: 32 });
      if (out.kind !== 'ok') throw new Error('bench payload refused');
    });
    const decodeUs = time(iterations, () => decodeRequest(signal, body, 'protobuf'));
    const roundTripUs = time(iterations, () => encodeRequest(signal, decodeRequest(signal, body, 'protobuf'), 'protobuf'));
    process.stdout.write(
      `${JSON.stringify({ bench: 'codec', signal, requestBytes: body.length, items: 100, scanAndStampUs: Number(scanUs.toFixed(1)), fullDecodeUs: Number(decodeUs.toFixed(1)), decodeEncodeUs: Number(roundTripUs.toFixed(1)), speedupVsDecode: Number((decodeUs / scanUs).toFixed(1)) })}\n`,
    );
  }
}

if (process.argv[1]?.endsWith('codec.js')) runCodecBench(Number(process.env['BENCH_ITERATIONS'] ?? 3000));
