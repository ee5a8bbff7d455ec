import { parseArgs } from 'node:util';
import { loadHubConfig } from '../config/index.js';
import { startHub, type Hub } from '../hub/hub.js';
import { createLogger } from '../hub/logger.js';

const HELP = `Usage: e2e-o11y hub [--config FILE]

Runs the hub: OTLP/HTTP ingest (default 0.0.0.0:4318), console and API (127.0.0.1:3000).
  --config FILE   YAML configuration (every key has a default; see README "Configuration")
Environment: E2E_OTLP_PORT, E2E_CONSOLE_PORT, E2E_DATA_DIR, E2E_ADMIN_TOKEN, E2E_MASTER_KEY.
SIGTERM/SIGINT stop accepting, drain and exit 0.`;

/** Runs until a signal; returns -1 so main() leaves the exit code to the signal handler. */
export async function runHubCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help === true) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const config = await loadHubConfig(values.config);
  const logger = createLogger({ level: config.logLevel, name: 'e2e-o11y-hub' });
  const hub = await startHub(config, logger, values.config === undefined ? {} : { configFile: values.config });
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', otlp: `${hub.otlpAddress.address}:${hub.otlpAddress.port}`, console: `http://${hub.consoleAddress.address}:${hub.consoleAddress.port}/` })}\n`,
  );
  stopOnSignals(hub);
  return -1;
}

export function stopOnSignals(hub: Pick<Hub, 'close'>, before?: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: draining and stopping\n`);
    (async () => {
      await before?.();
      await hub.close();
    })().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
