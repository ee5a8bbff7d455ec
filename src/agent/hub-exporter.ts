import type { Signal } from '../otlp/model.js';
import type { Exporter } from '../export/exporter.js';
import type { RunnerLogger } from '../export/exporter-runner.js';
import { createOtlpExporter, type FilteredPayload } from '../export/otlp-exporter.js';
import {
  createHubSigner,
  createSessionCredentialsProvider,
  fetchApiKey,
  type HttpGet,
  type HubCredentials,
  type HubSigner,
} from './hub-signer.js';

export type HubExporterCredentials = 'default' | (HubCredentials & { session?: boolean });

export interface HubExporterOptions {
  /** Base OTLP/HTTP URL of the hub or a relay. */
  endpoint: string;
  region: string;
  service: string;
  credentials: HubExporterCredentials;
  /** `'fetch'`: ask the hub (GET /v1/self/api-key, signed) before the first send; else the key itself. */
  apiKey: string;
  /** The opt-in filter over queued payload bytes (what may leave the account). */
  filter: (signal: Signal, payload: Uint8Array) => FilteredPayload;
  headers?: Record<string, string>;
  timeoutMs: number;
  logger?: RunnerLogger & { info(obj: object, msg: string): void };
  httpGet?: HttpGet;
  onRejected?: (status: number, message: string) => void;
  onItems?: (signal: Signal, counts: { sent: number; filtered: number }) => void;
  /** The hub answered 200 but dropped items (partial_success): counted and logged by the agent. */
  onPartialSuccess?: (signal: Signal, rejected: number, message: string) => void;
}

export interface HubExporter extends Exporter {
  /**
   * Fetches the API key when configured as `fetch` and not known yet. Resolves true once a key is
   * available; false when the hub could not be asked or refused (export retries it later).
   */
  ensureApiKey(): Promise<boolean>;
  /** The account the fetched key belongs to (undefined for a configured key, or before fetching). */
  accountId(): string | undefined;
}

function buildSigners(options: HubExporterOptions): { dataSigner: HubSigner; keySigner: HubSigner } {
  const c = options.credentials;
  const base = { region: options.region, service: options.service };
  if (c === 'default') {
    const signer = createHubSigner({ ...base, credentials: 'default' });
    return { dataSigner: signer, keySigner: signer };
  }
  const keys: HubCredentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
  if (c.sessionToken !== undefined) keys.sessionToken = c.sessionToken;
  const longLived = createHubSigner({ ...base, credentials: keys });
  if (c.session !== true) return { dataSigner: longLived, keySigner: longLived };
  // Data is signed with short-lived session credentials from the hub, refreshed before expiry;
  // the long-lived keys only sign the session and key requests.
  const provider = createSessionCredentialsProvider({
    endpoint: options.endpoint,
    signer: longLived,
    ...(options.httpGet === undefined ? {} : { httpGet: options.httpGet }),
  });
  return { dataSigner: createHubSigner({ ...base, credentials: provider }), keySigner: longLived };
}

/**
 * The agent's exporter to the hub: the opt-in filter applied at export time over the queued bytes
 * (so a changed filter never rewrites the queue, and the local exporter still gets everything),
 * OTLP/HTTP protobuf + gzip, SigV4 over the compressed bytes, and `x-api-key`.
 */
export function createHubExporter(options: HubExporterOptions): HubExporter {
  const { dataSigner, keySigner } = buildSigners(options);
  const fetching = options.apiKey === 'fetch';
  let apiKey: string | undefined = fetching ? undefined : options.apiKey;
  let accountId: string | undefined;
  let inFlight: Promise<boolean> | undefined;

  const ensureApiKey = (): Promise<boolean> => {
    if (apiKey !== undefined) return Promise.resolve(true);
    inFlight ??= (async () => {
      const r = await fetchApiKey({
        endpoint: options.endpoint,
        signer: keySigner,
        ...(options.httpGet === undefined ? {} : { httpGet: options.httpGet }),
      });
      if (!r.ok) {
        options.logger?.warn({ status: r.status, reason: r.message }, 'hub exporter: cannot fetch the API key yet; will retry');
        return false;
      }
      apiKey = r.apiKey;
      accountId = r.accountId;
      options.logger?.info({ accountId: r.accountId }, 'hub exporter: API key fetched from the hub');
      return true;
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const push = createOtlpExporter({
    name: 'hub',
    endpoint: options.endpoint,
    headers: options.headers ?? {},
    timeoutMs: options.timeoutMs,
    maxConnections: 2,
    filter: options.filter,
    async authorize({ url, headers, body }) {
      if (!(await ensureApiKey()) || apiKey === undefined) return { ok: false, message: 'the API key could not be fetched from the hub yet' };
      try {
        const signed = await dataSigner.sign({ url, method: 'POST', headers: { ...headers, 'x-api-key': apiKey }, body });
        return { ok: true, headers: signed };
      } catch (err) {
        return { ok: false, message: `cannot sign the request: ${(err as Error).message}` };
      }
    },
    onRejected(status, message) {
      // A rotated or revoked key: forget a fetched key so the next batch asks the hub again.
      if (fetching && (status === 401 || status === 403)) apiKey = undefined;
      options.onRejected?.(status, message);
    },
    ...(options.onItems === undefined ? {} : { onItems: options.onItems }),
    ...(options.onPartialSuccess === undefined ? {} : { onPartialSuccess: options.onPartialSuccess }),
  });

  return {
    name: push.name,
    export: (items) => push.export(items),
    close: () => push.close(),
    ensureApiKey,
    accountId: () => accountId,
  };
}
