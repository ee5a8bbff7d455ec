import { parseArgs } from 'node:util';
import { loadAgentConfig, startAgent, type AgentConfig } from '../agent/index.js';
import { createLogger } from '../hub/logger.js';
import { stopOnSignals } from './stop-on-signals.js';
import { agentConfigProblems, assertNoProblems, checkConfig } from './check-config.js';
import { listenErrorMessage, type ListenerSetting } from './listen-error.js';
import { dataDirErrorMessage } from './data-dir-error.js';
import { StartupError } from './startup-error.js';

const HELP = `Usage: e2e-o11y agent --config FILE
       e2e-o11y agent --check-config FILE

Runs the sending-side agent of a workload account: a local OTLP/HTTP receiver (default
127.0.0.1:4318) and Prometheus scraper, resource enrichment, a durable disk queue under
<dataDir>/queue, and two exporters: everything to exporters.local.endpoint (the account's own
stack) and the opted-in part (exporters.hub.include) to the hub, SigV4-signed with an API key.
Health and self-metrics on health.host:port (default 127.0.0.1:13133): /healthz, /metrics.
  --config FILE         YAML configuration (every key has a default; see README "Sending side")
  --check-config FILE   validate FILE (with the environment below applied) and exit: 0 valid,
                        1 invalid with the key and file named
Environment:
  E2E_AGENT_API_KEY   the hub API key, instead of exporters.hub.apiKey
  AWS_*               credentials when exporters.hub.credentials is default (the AWS default
                      credential chain: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
                      AWS_PROFILE, web identity, container and instance roles)
  \${NAME} in resource.attributes values is replaced by the variable NAME.
Prints {"event":"listening","otlp":"host:port","health":"host:port"} once ready.
SIGTERM/SIGINT stop accepting, finish requests in flight and exit 0; queued data is kept.`;

/** The agent's listening sockets and the settings that move them. */
export function agentListeners(config: AgentConfig): ListenerSetting[] {
  return [
    { setting: 'receivers.otlp.port', host: config.receivers.otlp.host, port: config.receivers.otlp.port },
    { setting: 'health.port', host: config.health.host, port: config.health.port },
  ];
}

/** Runs until a signal; returns -1 so main() leaves the exit code to the signal handler. */
export async function runAgentCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, 'check-config': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values['check-config'] !== undefined) {
    return checkConfig(values['check-config'], async (file) => agentConfigProblems(await loadAgentConfig(file)));
  }
  if (values.config === undefined) {
    process.stderr.write(`e2e-o11y agent: --config FILE is required\n\n${HELP}\n`);
    return 2;
  }
  const config = await loadAgentConfig(values.config);
  assertNoProblems(agentConfigProblems(config), values.config);
  const logger = createLogger({ level: config.logLevel, format: config.logFormat, name: 'e2e-o11y-agent' });
  let agent: Awaited<ReturnType<typeof startAgent>>;
  try {
    agent = await startAgent(config, logger);
  } catch (err) {
    throw StartupError.from(err, listenErrorMessage(err, agentListeners(config), values.config) ?? dataDirErrorMessage(err, config.dataDir, 'dataDir in the config'));
  }
  // Handlers first: whoever reads the listening line may signal at once.
  stopOnSignals(agent);
  process.stdout.write(
    `${JSON.stringify({
      event: 'listening',
      otlp: `${agent.otlpAddress.address}:${agent.otlpAddress.port}`,
      health: `${agent.healthAddress.address}:${agent.healthAddress.port}`,
    })}\n`,
  );
  return -1;
}
