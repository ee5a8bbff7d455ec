import { parseArgs } from 'node:util';
import { loadAgentConfig, startAgent } from '../agent/index.js';
import { createLogger } from '../hub/logger.js';
import { stopOnSignals } from './hub-command.js';

const HELP = `Usage: e2e-o11y agent --config FILE

Runs the sending-side agent of a workload account: a local OTLP/HTTP receiver (default
127.0.0.1:4318) and Prometheus scraper, resource enrichment, a durable disk queue under
<dataDir>/queue, and two exporters: everything to exporters.local.endpoint (the account's own
stack) and the opted-in part (exporters.hub.include) to the hub, SigV4-signed with an API key.
Health and self-metrics on health.host:port (default 127.0.0.1:13133): /healthz, /metrics.
  --config FILE   YAML configuration (every key has a default; see README "Sending side")
Environment: E2E_AGENT_API_KEY (the hub API key, instead of exporters.hub.apiKey);
AWS_* for credentials: default (the AWS default credential chain).
Prints {"event":"listening","otlp":"host:port","health":"host:port"} once ready.
SIGTERM/SIGINT stop accepting, finish requests in flight and exit 0; queued data is kept.`;

/** Runs until a signal; returns -1 so main() leaves the exit code to the signal handler. */
export async function runAgentCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help === true) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values.config === undefined) {
    process.stderr.write(`e2e-o11y agent: --config FILE is required\n\n${HELP}\n`);
    return 2;
  }
  const config = await loadAgentConfig(values.config);
  const logger = createLogger({ level: config.logLevel, name: 'e2e-o11y-agent' });
  const agent = await startAgent(config, logger);
  process.stdout.write(
    `${JSON.stringify({
      event: 'listening',
      otlp: `${agent.otlpAddress.address}:${agent.otlpAddress.port}`,
      health: `${agent.healthAddress.address}:${agent.healthAddress.port}`,
    })}\n`,
  );
  stopOnSignals(agent);
  return -1;
}
