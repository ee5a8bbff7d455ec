import http from 'node:http';
import https from 'node:https';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** The Accept header Prometheus sends: OpenMetrics preferred, the 0.0.4 text format as fallback. */
export const SCRAPE_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5';

export type ScrapeFetchOutcome =
  | { ok: true; status: number; contentType: string | undefined; body: string }
  | { ok: false; message: string };

export interface ScrapeFetchOptions {
  timeoutMs: number;
  /** Cap on the body after decompression: an exporter gone wild must not exhaust the agent's memory. */
  maxBodyBytes: number;
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
}

/** One HTTP GET of a metrics endpoint. Every failure is returned, never thrown. */
export function fetchScrape(url: string, options: ScrapeFetchOptions): Promise<ScrapeFetchOutcome> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, message: `invalid URL ${url}` });
  }
  const isHttps = parsed.protocol === 'https:';
  if (!isHttps && parsed.protocol !== 'http:') return Promise.resolve({ ok: false, message: `unsupported protocol ${parsed.protocol}` });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: ScrapeFetchOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const headers: Record<string, string> = {
      accept: SCRAPE_ACCEPT,
      'accept-encoding': 'gzip',
      'user-agent': 'e2e-o11y-agent',
      'x-prometheus-scrape-timeout-seconds': String(options.timeoutMs / 1000),
    };
    if (parsed.username !== '' || parsed.password !== '') {
      headers['authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`;
    }
    const agent = isHttps ? options.httpsAgent : options.httpAgent;
    const req = (isHttps ? https : http).request(parsed, { method: 'GET', headers, ...(agent === undefined ? {} : { agent }) });
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, message: `${err.code === undefined ? '' : `${err.code}: `}${err.message}` }));
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        res.resume();
        finish({ ok: false, message: `HTTP ${status}` });
        return;
      }
      const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
      let stream: Readable = res;
      if (encoding === 'gzip') {
        const gunzip = createGunzip();
        res.pipe(gunzip);
        res.on('error', (err) => gunzip.destroy(err));
        stream = gunzip;
      } else if (encoding !== '' && encoding !== 'identity') {
        res.resume();
        finish({ ok: false, message: `unsupported Content-Encoding ${encoding}` });
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      stream.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > options.maxBodyBytes) {
          finish({ ok: false, message: `body exceeds ${options.maxBodyBytes} bytes` });
          req.destroy();
          stream.destroy();
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', (err) => finish({ ok: false, message: `reading body: ${err.message}` }));
      stream.on('end', () => {
        const ct = res.headers['content-type'];
        finish({ ok: true, status, contentType: ct, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end();
  });
}
