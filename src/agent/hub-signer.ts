import http from 'node:http';
import https from 'node:https';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials as the SDK's providers return them. */
export interface HubCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working. */
  expiration?: Date;
}

export type HubCredentialsProvider = () => Promise<HubCredentials>;

export interface HubSignerOptions {
  region: string;
  /** `execute-api` for API Gateway-compatible verification, as the hub does. */
  service: string;
  /**
   * `'default'`: the AWS SDK's Node provider chain (environment, shared config/credentials files,
   * web identity / IRSA, ECS container and EC2 instance metadata), with the SDK's own caching
   * and refresh before expiry. Or static keys, or any provider function.
   */
  credentials: 'default' | HubCredentials | HubCredentialsProvider;
}

export interface SignInput {
  url: string | URL;
  method: string;
  /** Headers that will be sent; `host` is added from the URL when absent. */
  headers: Record<string, string>;
  /** The exact bytes that will be sent (after compression): the signature covers them. */
  body: Uint8Array;
  /** Signing time; defaults to now. */
  signingDate?: Date;
}

export interface HubSigner {
  /**
   * Returns the headers to send: the input headers plus `host`, `x-amz-date`,
   * `x-amz-content-sha256`, `authorization` and, for session credentials, `x-amz-security-token`.
   * Rejects only when credentials cannot be resolved.
   */
  sign(input: SignInput): Promise<Record<string, string>>;
}

function resolveProvider(credentials: HubSignerOptions['credentials']): HubCredentialsProvider {
  if (typeof credentials === 'function') return credentials;
  if (credentials === 'default') {
    let chain: HubCredentialsProvider | undefined;
    return async () => {
      // Loaded on first use: the SDK chain is large and agents with static keys never need it.
      if (chain === undefined) {
        const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
        chain = fromNodeProviderChain();
      }
      return chain();
    };
  }
  if (credentials.accessKeyId === '' || credentials.secretAccessKey === '') {
    throw new TypeError('createHubSigner: accessKeyId and secretAccessKey must not be empty');
  }
  const fixed = { ...credentials };
  return () => Promise.resolve(fixed);
}

/** SigV4 signer for requests to the hub (AWS's own implementation, so the hub is checked against the real thing). */
export function createHubSigner(options: HubSignerOptions): HubSigner {
  if (options.region === '' || options.service === '') throw new TypeError('createHubSigner: region and service are required');
  const provider = resolveProvider(options.credentials);
  const signer = new SignatureV4({ credentials: provider, region: options.region, service: options.service, sha256: Sha256 });
  return {
    async sign(input) {
      const url = typeof input.url === 'string' ? new URL(input.url) : input.url;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
      // node:http sends `host: hostname[:port]` (port only when not the default): sign exactly that.
      headers['host'] ??= url.host;
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of url.searchParams) {
        const prev = query[k];
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      const request = new HttpRequest({
        method: input.method.toUpperCase(),
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port === '' ? {} : { port: Number(url.port) }),
        path: url.pathname,
        query,
        headers,
        body: input.body,
      });
      const signed = await signer.sign(request, input.signingDate === undefined ? {} : { signingDate: input.signingDate });
      return { ...(signed.headers as Record<string, string>) };
    },
  };
}

/** A minimal GET used by the key-distribution and session calls; injectable for tests. */
export type HttpGet = (url: string, headers: Record<string, string>) => Promise<{ status: number; body: Uint8Array }>;

const MAX_RESPONSE_BYTES = 64 * 1024;

/** A GET over node:http(s) with a deadline and a response size cap. Rejects on network errors. */
export function createHttpGet(timeoutMs = 10_000): HttpGet {
  return (url, headers) =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      const req = (u.protocol === 'https:' ? https : http).request(u, { method: 'GET', headers });
      const timer = setTimeout(() => req.destroy(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (c: Buffer) => {
          total += c.length;
          if (total > MAX_RESPONSE_BYTES) req.destroy(new Error(`response over ${MAX_RESPONSE_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
      req.end();
    });
}

export type FetchApiKeyOutcome =
  | { ok: true; accountId: string; apiKey: string }
  | { ok: false; status?: number; retryable: boolean; message: string };

export interface SignedGetOptions {
  /** Base URL of the hub's OTLP endpoint, e.g. `https://hub.example:4318`. */
  endpoint: string;
  signer: HubSigner;
  httpGet?: HttpGet;
}

async function signedGetJson(
  options: SignedGetOptions,
  path: string,
): Promise<{ ok: true; json: Record<string, unknown> } | { ok: false; status?: number; retryable: boolean; message: string }> {
  const url = new URL(path, options.endpoint);
  let headers: Record<string, string>;
  try {
    headers = await options.signer.sign({ url, method: 'GET', headers: {}, body: new Uint8Array(0) });
  } catch (err) {
    return { ok: false, retryable: true, message: `cannot sign ${path}: ${(err as Error).message}` };
  }
  let res: { status: number; body: Uint8Array };
  try {
    res = await (options.httpGet ?? createHttpGet())(url.toString(), headers);
  } catch (err) {
    return { ok: false, retryable: true, message: `GET ${url.toString()}: ${(err as Error).message}` };
  }
  const text = Buffer.from(res.body).toString('utf8');
  if (res.status !== 200) {
    const retryable = res.status === 429 || res.status >= 500;
    return { ok: false, status: res.status, retryable, message: `GET ${url.toString()}: HTTP ${res.status} ${text.slice(0, 512)}`.trim() };
  }
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not an object');
    return { ok: true, json: json as Record<string, unknown> };
  } catch (err) {
    return { ok: false, status: res.status, retryable: false, message: `GET ${url.toString()}: invalid JSON: ${(err as Error).message}` };
  }
}

/** Key distribution: the signer's own account's API key from `GET /v1/self/api-key` (SigV4, no API key). */
export async function fetchApiKey(options: SignedGetOptions): Promise<FetchApiKeyOutcome> {
  const r = await signedGetJson(options, '/v1/self/api-key');
  if (!r.ok) return r;
  const { accountId, apiKey } = r.json;
  if (typeof accountId !== 'string' || typeof apiKey !== 'string' || apiKey === '') {
    return { ok: false, status: 200, retryable: false, message: 'GET /v1/self/api-key: response lacks accountId/apiKey' };
  }
  return { ok: true, accountId, apiKey };
}

/** Refresh this long before a session expires, so no request is signed with credentials about to lapse. */
export const SESSION_REFRESH_BEFORE_MS = 5 * 60 * 1000;

export interface SessionCredentialsOptions extends SignedGetOptions {
  now?: () => number;
}

/**
 * Temporary credentials from the hub's `GET /v1/self/session` (signed with the long-lived
 * signer), expected as `{accessKeyId, secretAccessKey, sessionToken, expiration}` with an ISO
 * 8601 `expiration`. Cached and refreshed 5 minutes before expiry; concurrent callers share one
 * request. Rejects when the hub cannot be asked, as SDK credential providers do.
 */
export function createSessionCredentialsProvider(options: SessionCredentialsOptions): HubCredentialsProvider & { invalidate(): void } {
  const now = options.now ?? Date.now;
  let cached: HubCredentials | undefined;
  let inFlight: Promise<HubCredentials> | undefined;
  const fresh = (c: HubCredentials | undefined): c is HubCredentials =>
    c !== undefined && (c.expiration === undefined || c.expiration.getTime() - SESSION_REFRESH_BEFORE_MS > now());
  const load = async (): Promise<HubCredentials> => {
    const r = await signedGetJson(options, '/v1/self/session');
    if (!r.ok) throw new Error(r.message);
    const { accessKeyId, secretAccessKey, sessionToken, expiration } = r.json;
    if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string' || typeof sessionToken !== 'string') {
      throw new Error('GET /v1/self/session: response lacks accessKeyId/secretAccessKey/sessionToken');
    }
    const creds: HubCredentials = { accessKeyId, secretAccessKey, sessionToken };
    if (typeof expiration === 'string' || typeof expiration === 'number') {
      const d = new Date(expiration);
      if (Number.isNaN(d.getTime())) throw new Error('GET /v1/self/session: invalid expiration');
      creds.expiration = d;
    }
    return creds;
  };
  const provider = async (): Promise<HubCredentials> => {
    if (fresh(cached)) return cached;
    inFlight ??= load().finally(() => {
      inFlight = undefined;
    });
    cached = await inFlight;
    return cached;
  };
  // A session the hub no longer accepts (its master key changed, an upgrade dropped it): ask anew.
  return Object.assign(provider, { invalidate: () => (cached = undefined) });
}
