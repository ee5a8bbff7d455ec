import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import type { ServerOptions as HttpsOptions } from 'node:https';
import type { Logger } from 'pino';

export interface TlsConfig {
  cert: string | null;
  key: string | null;
  clientCa: string | null;
  requireClientCert: boolean;
}

export interface TlsWatch {
  readonly options: HttpsOptions | undefined;
  onChange(listener: (tls: HttpsOptions) => void): void;
  close(): void;
}

async function load(cfg: TlsConfig): Promise<HttpsOptions> {
  const [cert, key, ca] = await Promise.all([
    readFile(cfg.cert!),
    readFile(cfg.key!),
    cfg.clientCa === null ? Promise.resolve(undefined) : readFile(cfg.clientCa),
  ]);
  return {
    cert,
    key,
    ...(ca === undefined ? {} : { ca }),
    minVersion: 'TLSv1.2',
    requestCert: cfg.requireClientCert || ca !== undefined,
    rejectUnauthorized: cfg.requireClientCert,
  };
}

/** Loads the ingest TLS certificate and reloads it when the files change (certificate rotation). */
export async function watchTls(cfg: TlsConfig, logger: Logger): Promise<TlsWatch> {
  if (cfg.cert === null || cfg.key === null) {
    if (cfg.cert !== null || cfg.key !== null) throw new Error('otlp.tls needs both cert and key');
    return { options: undefined, onChange: () => undefined, close: () => undefined };
  }
  const options = await load(cfg);
  const listeners: ((tls: HttpsOptions) => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  const reload = (): void => {
    clearTimeout(timer);
    // Debounced: cert and key are usually replaced one after the other.
    timer = setTimeout(() => {
      load(cfg).then(
        (next) => {
          for (const l of listeners) l(next);
          logger.info('TLS certificate reloaded');
        },
        (err: unknown) => logger.error({ err }, 'TLS certificate reload failed; keeping the previous one'),
      );
    }, 200);
  };
  const watchers: FSWatcher[] = [cfg.cert, cfg.key].map((f) => watch(f, reload));
  return {
    options,
    onChange: (l) => listeners.push(l),
    close: () => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
