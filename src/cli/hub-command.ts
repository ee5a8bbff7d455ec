import { parseArgs } from 'node:util';
import { loadHubConfig, type HubConfig } from '../config/index.js';
import { startHub, type Hub } from '../hub/hub.js';
import { createLogger } from '../hub/logger.js';
import { assertNoProblems, checkConfig, hubConfigProblems } from './check-config.js';
import { listenErrorMessage, type ListenerSetting } from './listen-error.js';
import { dataDirErrorMessage } from './data-dir-error.js';
import { StartupError } from './startup-error.js';
import { stopOnSignals } from './stop-on-signals.js';

const HELP = `Usage: e2e-o11y hub [--config FILE]
       e2e-o11y hub --check-config FILE

Runs the hub: OTLP/HTTP ingest (default 0.0.0.0:4318), console and API (127.0.0.1:3000).
  --config FILE         YAML configuration (every key has a default; see README "Configuration")
  --check-config FILE   validate FILE (with the environment below applied) and exit: 0 valid,
                        1 invalid with the key and file named
Environment:
  E2E_OTLP_PORT      overrides otlp.port
  E2E_CONSOLE_PORT   overrides console.port
  E2E_DATA_DIR       overrides dataDir
  E2E_ADMIN_TOKEN    the console admin token (else generated into <dataDir>/admin.token)
  E2E_MASTER_KEY     the key encrypting secrets at rest (else generated into <dataDir>/master.key)
SIGTERM/SIGINT stop accepting, drain and exit 0.`;

/** The hub's listening sockets and the settings that move them (start-up errors name these). */
export function hubListeners(config: HubConfig): ListenerSetting[] {
  return [
    { setting: 'otlp.port', env: 'E2E_OTLP_PORT', host: config.otlp.host, port: config.otlp.port },
    { setting: 'console.port', env: 'E2E_CONSOLE_PORT', host: config.console.host, port: config.console.port },
  ];
}

/** Runs until a signal; returns -1 so main() leaves the exit code to the signal handler. */
export async function runHubCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, 'check-config': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values['check-config'] !== undefined) {
    return checkConfig(values['check-config'], async (file) => hubConfigProblems(await loadHubConfig(file)));
  }
  const config = await loadHubConfig(values.config);
  assertNoProblems(hubConfigProblems(config), values.config);
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, name: 'e2e-o11y-hub' });
  let hub: Hub;
  try {
    hub = await startHub(config, logger, values.config === undefined ? {} : { configFile: values.config });
  } catch (err) {
    throw StartupError.from(err, listenErrorMessage(err, hubListeners(config), values.config) ?? dataDirErrorMessage(err, config.dataDir, 'dataDir in the config or E2E_DATA_DIR'));
  }
  // Handlers first: whoever reads the listening line may signal at once.
  stopOnSignals(hub);
  process.stdout.write(
    `${JSON.stringify({ event: 'listening', otlp: `${hub.otlpAddress.address}:${hub.otlpAddress.port}`, console: `http://${hub.consoleAddress.address}:${hub.consoleAddress.port}/` })}\n`,
  );
  return -1;
}
