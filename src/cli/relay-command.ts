import { parseArgs } from 'node:util';
import { createRelayServer, loadRelayConfig, relayServerOptions } from '../relay/index.js';
import { createLogger } from '../hub/logger.js';
import { stopOnSignals } from './stop-on-signals.js';
import { checkConfig } from './check-config.js';
import { listenErrorMessage } from './listen-error.js';
import { StartupError } from './startup-error.js';

const HELP = `Usage: e2e-o11y relay --config FILE
       e2e-o11y relay --check-config FILE

Runs the relay for a region without the hub: forwards OTLP/HTTP requests unchanged (bytes and
signed headers, the Host header included, so SigV4 still verifies at the hub) to upstream hub
addresses, routed by Host prefix (metrics. / logs. / traces.) or path, over pooled keep-alive
connections with active health checks; an upstream that fails is skipped until it answers again.
/healthz and /metrics are served on the listen address.
  --config FILE         YAML configuration: listen {host, port and connection limits}, routes
                        {byHost, byPath}, upstreams {default|metrics|logs|traces: [{url, weight}]},
                        healthCheck {path, intervalSeconds, timeoutSeconds}, timeoutSeconds,
                        maxBodyBytes, maxConcurrentRequests, maxSocketsPerUpstream, shutdown,
                        logLevel, logFormat (all keys: docs/configuration.md)
  --check-config FILE   validate FILE and exit: 0 valid, 1 invalid with the key and file named
Prints {"event":"listening","relay":"host:port"} once ready. SIGTERM/SIGINT exit 0.`;

export async function runRelayCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, 'check-config': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values['check-config'] !== undefined) {
    return checkConfig(values['check-config'], async (file) => (await loadRelayConfig(file), []));
  }
  if (values.config === undefined) {
    process.stderr.write(`e2e-o11y relay: --config FILE is required\n\n${HELP}\n`);
    return 2;
  }
  const config = await loadRelayConfig(values.config);
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, name: 'e2e-o11y-relay' });
  let relay: Awaited<ReturnType<typeof createRelayServer>>;
  try {
    relay = await createRelayServer({ ...relayServerOptions(config), logger });
  } catch (err) {
    throw StartupError.from(err, listenErrorMessage(err, [{ setting: 'listen.port', ...config.listen }], values.config));
  }
  const a = relay.address();
  logger.info({ listen: `${a.host}:${a.port}`, upstreams: relay.upstreams() }, 'relay started');
  // Handlers first: whoever reads the listening line may signal at once.
  stopOnSignals(relay);
  process.stdout.write(`${JSON.stringify({ event: 'listening', relay: `${a.host}:${a.port}` })}\n`);
  return -1;
}
