import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import type { ServerOptions as HttpsOptions } from 'node:https';
import { dirname, resolve } from 'node:path';
import { createSecureContext } from 'node:tls';
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

interface Loaded {
  options: HttpsOptions;
  /** cert, key and CA bytes, to tell a real change from a touch or an unrelated file. */
  bytes: Buffer[];
}

async function load(cfg: TlsConfig): Promise<Loaded> {
  const [cert, key, ca] = await Promise.all([
    readFile(cfg.cert!),
    readFile(cfg.key!),
    cfg.clientCa === null ? Promise.resolve(undefined) : readFile(cfg.clientCa),
  ]);
  const options: HttpsOptions = {
    cert,
    key,
    ...(ca === undefined ? {} : { ca }),
    minVersion: 'TLSv1.2',
    requestCert: cfg.requireClientCert || ca !== undefined,
    rejectUnauthorized: cfg.requireClientCert,
  };
  // Throws on unparsable PEM or a key that does not match the certificate (e.g. a half-finished
  // replacement), so such a state is refused here instead of inside the server.
  createSecureContext({ cert, key, ...(ca === undefined ? {} : { ca }) });
  return { options, bytes: ca === undefined ? [cert, key] : [cert, key, ca] };
}

const sameBytes = (a: Buffer[], b: Buffer[]): boolean => a.length === b.length && a.every((x, i) => x.equals(b[i]!));

/**
 * Loads the ingest TLS certificate (and the client CA) and reloads them when the files change
 * (certificate rotation), without a restart.
 *
 * The directories holding the files are watched rather than the files: tools that renew
 * certificates (cert-manager, Kubernetes secret volumes with their `..data` symlink swap, certbot,
 * `mv new.pem cert.pem`) replace files by rename, after which a watch on the file keeps pointing at
 * the old inode and misses every later renewal. Any event in those directories schedules a reload;
 * listeners are told only when the bytes changed and the new pair is valid.
 */
export async function watchTls(cfg: TlsConfig, logger: Logger): Promise<TlsWatch> {
  if (cfg.cert === null || cfg.key === null) {
    if (cfg.cert !== null || cfg.key !== null) throw new Error('otlp.tls needs both cert and key');
    return { options: undefined, onChange: () => undefined, close: () => undefined };
  }
  let current = await load(cfg);
  const listeners: ((tls: HttpsOptions) => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const reload = (): void => {
    clearTimeout(timer);
    // Debounced: cert and key are usually replaced one after the other.
    timer = setTimeout(() => {
      load(cfg).then(
        (next) => {
          if (closed || sameBytes(current.bytes, next.bytes)) return;
          current = next;
          for (const l of listeners) {
            try {
              l(next.options);
            } catch (err) {
              logger.error({ err }, 'applying the reloaded TLS certificate failed; keeping the previous one');
            }
          }
          logger.info('TLS certificate reloaded');
        },
        (err: unknown) => logger.error({ err }, 'TLS certificate reload failed; keeping the previous one'),
      );
    }, 200);
  };
  const files = [cfg.cert, cfg.key, ...(cfg.clientCa === null ? [] : [cfg.clientCa])];
  const dirs = [...new Set(files.map((f) => dirname(resolve(f))))];
  const watchers: FSWatcher[] = dirs.map((dir) =>
    watch(dir, reload).on('error', (err) => logger.error({ err, dir }, 'watching the TLS certificate directory failed; renewals need a restart')),
  );
  return {
    options: current.options,
    onChange: (l) => listeners.push(l),
    close: () => {
      closed = true;
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}
