import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { countItems, encodeRequest } from '../otlp/index.js';
import type { RequestBySignal, Signal } from '../otlp/model.js';

/** Signs one request: returns the headers to add (SigV4 + x-api-key), or none in auth mode none. */
export type RequestSigner = (input: { url: URL; method: string; headers: Record<string, string>; body: Uint8Array }) => Promise<Record<string, string>>;

export interface SendResult {
  status: number;
  body: string;
}

/** Sends one OTLP protobuf request, gzip-compressed, as the agent's hub exporter does. */
export async function sendOtlp<S extends Signal>(endpoint: string, signal: S, request: RequestBySignal[S], sign: RequestSigner): Promise<SendResult> {
  const url = new URL(`/v1/${signal}`, endpoint);
  const body = gzipSync(encodeRequest(signal, request, 'protobuf'));
  const headers: Record<string, string> = {
    host: url.host,
    'content-type': 'application/x-protobuf',
    'content-encoding': 'gzip',
    'content-length': String(body.length),
  };
  Object.assign(headers, await sign({ url, method: 'POST', headers, body }));
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** What one account's batch of a demo order sent and how many sends failed. */
export interface BatchOutcome {
  accountId: string;
  spans: number;
  logs: number;
  points: number;
  failed: number;
}

/**
 * Sends each account's part of an order (traces, logs, metrics; empty requests are skipped) with that
 * account's signer, all accounts at once, as their agents would.
 */
export async function sendBatches(
  endpoint: string,
  batches: readonly { account: { id: string }; traces: RequestBySignal['traces']; logs: RequestBySignal['logs']; metrics: RequestBySignal['metrics'] }[],
  signers: ReadonlyMap<string, RequestSigner>,
): Promise<BatchOutcome[]> {
  return Promise.all(
    batches.map(async (b) => {
      const sign = signers.get(b.account.id);
      if (sign === undefined) throw new Error(`no signer for account ${b.account.id}`);
      const outcome: BatchOutcome = { accountId: b.account.id, spans: countItems('traces', b.traces), logs: countItems('logs', b.logs), points: countItems('metrics', b.metrics), failed: 0 };
      const results = await Promise.all([
        outcome.spans > 0 ? sendOtlp(endpoint, 'traces', b.traces, sign) : undefined,
        outcome.logs > 0 ? sendOtlp(endpoint, 'logs', b.logs, sign) : undefined,
        outcome.points > 0 ? sendOtlp(endpoint, 'metrics', b.metrics, sign) : undefined,
      ]).catch(() => [{ status: 0, body: '' }]);
      for (const r of results) if (r !== undefined && r.status !== 200) outcome.failed++;
      return outcome;
    }),
  );
}
