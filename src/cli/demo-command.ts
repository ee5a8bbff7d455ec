import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { loadHubConfig } from '../config/index.js';
import { startHub, type Hub } from '../hub/hub.js';
import { createLogger } from '../hub/logger.js';
import { buildOrder, DEMO_ACCOUNTS, onboardDemoAccounts, sendBatches, withDemoDefinitions } from '../demo/index.js';
import { hubListeners } from './hub-command.js';
import { stopOnSignals } from './stop-on-signals.js';
import { assertNoProblems, hubConfigProblems } from './check-config.js';
import { listenErrorMessage } from './listen-error.js';
import { dataDirErrorMessage } from './data-dir-error.js';
import { StartupError } from './startup-error.js';

const HELP = `Usage: e2e-o11y demo [--config FILE] [--orders-per-second N]

Starts the hub on the embedded store and three simulated workload accounts (shop, payments,
invoicing) whose senders run a continuous order-to-invoice business process through the real
SigV4 + API key path: most orders complete, some are declined, some stall (and become stuck) and
some are invoiced by a worker that lost the trace context (joined by order.id). Defines the order
process and alert rules unless the config has its own. Prints the console address, the admin token,
a real order's page and a live summary per account.
  --config FILE            hub configuration (as for 'e2e-o11y hub')
  --orders-per-second N    business-process instances started per second (default 4)
Environment: as for 'e2e-o11y hub' (E2E_OTLP_PORT, E2E_CONSOLE_PORT, E2E_DATA_DIR, E2E_ADMIN_TOKEN,
E2E_MASTER_KEY).`;

/** Runs until a signal; returns -1 so main() leaves the exit code to the signal handler. */
export async function runDemoCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string' }, 'orders-per-second': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help === true) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const ordersPerSecond = Number(values['orders-per-second'] ?? 4);
  const config = withDemoDefinitions(await loadHubConfig(values.config));
  assertNoProblems(hubConfigProblems(config), values.config);
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, format: config.logFormat, name: 'e2e-o11y-hub' });
  let hub: Hub;
  try {
    hub = await startHub(config, logger, values.config === undefined ? {} : { configFile: values.config, transformConfig: withDemoDefinitions });
  } catch (err) {
    throw StartupError.from(err, listenErrorMessage(err, hubListeners(config), values.config) ?? dataDirErrorMessage(err, config.dataDir, 'dataDir in the config or E2E_DATA_DIR'));
  }
  const consoleUrl = `http://${hub.consoleAddress.address}:${hub.consoleAddress.port}`;
  const otlpHost = hub.otlpAddress.address === '0.0.0.0' || hub.otlpAddress.address === '::' ? '127.0.0.1' : hub.otlpAddress.address;
  const endpoint = `http://${otlpHost}:${hub.otlpAddress.port}`;

  const signers = await onboardDemoAccounts({ mode: config.auth.mode, consoleUrl, adminToken: hub.adminToken, dataDir: resolve(config.dataDir), endpoint, sigv4: config.auth.sigv4 });

  const sent = new Map<string, { spans: number; logs: number; points: number; failed: number }>();
  for (const a of DEMO_ACCOUNTS) sent.set(a.id, { spans: 0, logs: 0, points: 0, failed: 0 });
  const cumulative = new Map<string, number>();
  // Numbered from the clock (100 per second, faster than the demo sends), so a restart on the same
  // data dir never reuses an order id of the previous run.
  let order = Math.floor(Date.now() / 10) % 100_000_000;
  let stopped = false;
  let lastTrace = '';
  let lastOrder = '';
  const kinds = new Map<string, number>();

  const tick = async (): Promise<{ orderId: string; kind: string }> => {
    const built = buildOrder(++order, BigInt(Date.now()) * 1_000_000n, cumulative);
    lastTrace = built.traceId;
    lastOrder = built.orderId;
    kinds.set(built.kind, (kinds.get(built.kind) ?? 0) + 1);
    for (const o of await sendBatches(endpoint, built.batches, signers)) {
      const s = sent.get(o.accountId)!;
      s.spans += o.spans;
      s.logs += o.logs;
      s.points += o.points;
      s.failed += o.failed;
    }
    return { orderId: built.orderId, kind: built.kind };
  };

  // The first order is sent before anything is printed, so the printed instance page exists.
  let first = await tick();
  while (first.kind !== 'completed') first = await tick();
  process.stdout.write(
    [
      '',
      'e2e-o11y demo is running',
      `  console:     ${consoleUrl}/`,
      `  admin token: ${hub.adminToken}`,
      `  an order:    ${consoleUrl}/processes/order/instances/${encodeURIComponent(first.orderId)}`,
      `  OTLP ingest: ${endpoint} (auth: ${config.auth.mode})`,
      `  accounts:    ${DEMO_ACCOUNTS.map((a) => `${a.name} ${a.id}`).join(', ')}`,
      '',
    ].join('\n') + '\n',
  );

  const loop = async (): Promise<void> => {
    while (!stopped) {
      const started = Date.now();
      await tick().catch((err: unknown) => logger.warn({ err }, 'demo order failed'));
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 / ordersPerSecond - (Date.now() - started))));
    }
  };
  const running = loop();

  const summary = setInterval(() => {
    void (async () => {
      const stats = (await (await fetch(`${consoleUrl}/api/stats`, { headers: { authorization: `Bearer ${hub.adminToken}` } })).json()) as {
        accounts: { accountId: string; accepted: Record<string, number>; rejected: Record<string, number>; throttledRequests: number; deniedRequests: number }[];
      };
      const lines = DEMO_ACCOUNTS.map((a) => {
        const s = sent.get(a.id)!;
        const h = stats.accounts.find((x) => x.accountId === a.id);
        const acc = h?.accepted ?? {};
        const rej = h?.rejected ?? {};
        const sum = (o: Record<string, number>): number => (o['spans'] ?? 0) + (o['dataPoints'] ?? 0) + (o['logRecords'] ?? 0);
        return `${a.name.padEnd(9)} ${a.id}  sent ${s.spans} spans ${s.logs} logs ${s.points} points  hub accepted ${sum(acc)} rejected ${sum(rej)} throttled ${h?.throttledRequests ?? 0}${s.failed > 0 ? `  failed sends ${s.failed}` : ''}`;
      });
      const mix = [...kinds].map(([k, n]) => `${k} ${n}`).join(', ');
      process.stdout.write(
        `[${new Date().toISOString()}] orders sent: ${mix}; last order ${consoleUrl}/processes/order/instances/${encodeURIComponent(lastOrder)} ` +
          `(trace ${consoleUrl}/traces/${lastTrace})\n${lines.map((l) => `  ${l}`).join('\n')}\n`,
      );
    })().catch(() => undefined);
  }, 5000);

  stopOnSignals(hub, async () => {
    stopped = true;
    clearInterval(summary);
    await running;
  });
  return -1;
}
