/** One listening socket of a command and the setting (and env var, where one exists) that moves it. */
export interface ListenerSetting {
  /** Dotted config key of the port, e.g. `otlp.port`. */
  setting: string;
  /** Environment variable that overrides it, e.g. `E2E_OTLP_PORT`. */
  env?: string;
  host: string;
  port: number;
}

interface ListenErrnoException extends Error {
  code?: string;
  syscall?: string;
  port?: number;
  address?: string;
}

const isListenError = (err: unknown): err is ListenErrnoException =>
  err instanceof Error && (err as ListenErrnoException).syscall === 'listen' && typeof (err as ListenErrnoException).port === 'number';

/**
 * Turns a failed `listen()` (port taken, privileged port, address not on this host) into one line
 * naming the setting to change, instead of a stack trace. Returns undefined for any other error.
 * `configFile` undefined: the command ran on defaults.
 */
export function listenErrorMessage(err: unknown, listeners: readonly ListenerSetting[], configFile: string | undefined): string | undefined {
  if (!isListenError(err)) return undefined;
  const port = err.port!;
  const matching = listeners.filter((l) => l.port === port);
  const candidates = matching.length > 0 ? matching : listeners;
  const where = configFile === undefined ? 'a config file (--config FILE)' : `the config (${configFile})`;
  const how = candidates
    .map((l) => `set ${l.setting} in ${where}${l.env === undefined ? '' : ` or ${l.env}`}`)
    .join('; or ');
  const hostPort = `${err.address ?? candidates[0]?.host ?? ''}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use (${hostPort}): ${how}`;
    case 'EACCES':
      return `no permission to listen on port ${port} (${hostPort}; ports below 1024 need privileges): ${how}`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${hostPort}: the address is not on this host: set ${candidates.map((l) => l.setting.replace(/port$/, 'host')).join(' or ')} in ${where}`;
    default:
      return `cannot listen on ${hostPort}: ${err.code ?? err.message}: ${how}`;
  }
}
