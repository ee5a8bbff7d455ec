import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { encodeRequest } from '../otlp/index.js';
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
