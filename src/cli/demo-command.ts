import { parseArgs } from 'node:util';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadHubConfig } from '../config/index.js';
import { startHub, type Hub } from '../hub/hub.js';
import { createLogger } from '../hub/logger.js';
import { createHubSigner } from '../agent/index.js';
import { buildOrder, DEMO_ACCOUNTS, type DemoAccount } from '../demo/business-process.js';
import { sendOtlp, type RequestSigner } from '../demo/demo-sender.js';
import { hubListeners } from './hub-command.js';
import { stopOnSignals } from './stop-on-signals.js';
import { assertNoProblems, hubConfigProblems } from './check-config.js';
import { listenErrorMessage } from './listen-error.js';
import { dataDirErrorMessage } from './data-dir-error.js';
import { StartupError } from './startup-error.js';
import { countItems } from '../otlp/index.js';

const HELP = `Usage: e2e-o11y demo [--config FILE] [--orders-per-second N]

Starts the hub on the embedded store and three simulated workload accounts (shop, payments,
invoicing) whose senders run a continuous order-to-invoice business process through the real
SigV4 + API key path. Prints the console address, the admin token and a live summary per account.
  --config FILE            hub configuration (as for 'e2e-o11y hub')
  --orders-per-second N    business-process instances started per second (default 4)
Environment: as for 'e2e-o11y hub' (E2E_OTLP_PORT, E2E_CONSOLE_PORT, E2E_DATA_DIR, E2E_ADMIN_TOKEN,
E2E_MASTER_KEY).`;

interface DemoCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

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
  const config = await loadHubConfig(values.config);
  assertNoProblems(hubConfigProblems(config), values.config);
  const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel, format: config.logFormat, name: 'e2e-o11y-hub' });
  let hub: Hub;
  try {
    hub = await startHub(config, logger, values.config === undefined ? {} : { configFile: values.config });
  } catch (err) {
    throw StartupError.from(err, listenErrorMessage(err, hubListeners(config), values.config) ?? dataDirErrorMessage(err, config.dataDir, 'dataDir in the config or E2E_DATA_DIR'));
  }
  const consoleUrl = `http://${hub.consoleAddress.address}:${hub.consoleAddress.port}`;
  const otlpHost = hub.otlpAddress.address === '0.0.0.0' || hub.otlpAddress.address === '::' ? '127.0.0.1' : hub.otlpAddress.address;
  const endpoint = `http://${otlpHost}:${hub.otlpAddress.port}`;

  const signers = await onboard(config.auth.mode, consoleUrl, hub.adminToken, resolve(config.dataDir), endpoint, config.auth.sigv4);

  process.stdout.write(
    [
      '',
      'e2e-o11y demo is running',
      `  console:     ${consoleUrl}/`,
      `  admin token: ${hub.adminToken}`,
      `  OTLP ingest: ${endpoint} (auth: ${config.auth.mode})`,
      `  accounts:    ${DEMO_ACCOUNTS.map((a) => `${a.name} ${a.id}`).join(', ')}`,
      '',
    ].join('\n') + '\n',
  );

  const sent = new Map<string, { spans: number; logs: number; points: number; failed: number }>();
  for (const a of DEMO_ACCOUNTS) sent.set(a.id, { spans: 0, logs: 0, points: 0, failed: 0 });
  const cumulative = new Map<string, number>();
  let order = 0;
  let stopped = false;
  let lastTrace = '';

  const tick = async (): Promise<void> => {
    const { traceId, batches } = buildOrder(++order, BigInt(Date.now()) * 1_000_000n, cumulative);
    lastTrace = traceId;
    await Promise.all(
      batches.map(async (b) => {
        const sign = signers.get(b.account.id)!;
        const s = sent.get(b.account.id)!;
        const results = await Promise.all([
          b.traces.resourceSpans[0]!.scopeSpans[0]!.spans.length > 0 ? sendOtlp(endpoint, 'traces', b.traces, sign) : undefined,
          sendOtlp(endpoint, 'logs', b.logs, sign),
          sendOtlp(endpoint, 'metrics', b.metrics, sign),
        ]).catch(() => [{ status: 0, body: '' }]);
        for (const r of results) if (r !== undefined && r.status !== 200) s.failed++;
        s.spans += countItems('traces', b.traces);
        s.logs += countItems('logs', b.logs);
        s.points += countItems('metrics', b.metrics);
      }),
    );
  };
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
      process.stdout.write(`[${new Date().toISOString()}] orders ${order}, last trace ${consoleUrl}/api/traces/${lastTrace}\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
    })().catch(() => undefined);
  }, 5000);

  stopOnSignals(hub, async () => {
    stopped = true;
    clearInterval(summary);
    await running;
  });
  return -1;
}

/**
 * Onboards the demo accounts through the admin API (as an operator would) and returns a signer per
 * account. Credentials are kept in `<dataDir>/demo-credentials.json` (0600) so a restart reuses
 * them; the API key comes from the hub's key distribution route, as an agent fetches it.
 */
async function onboard(
  mode: string,
  consoleUrl: string,
  adminToken: string,
  dataDir: string,
  endpoint: string,
  sigv4: { region: string; service: string },
): Promise<Map<string, RequestSigner>> {
  const signers = new Map<string, RequestSigner>();
  if (mode !== 'sigv4') {
    for (const a of DEMO_ACCOUNTS) signers.set(a.id, () => Promise.resolve({}));
    return signers;
  }
  const file = join(dataDir, 'demo-credentials.json');
  let saved: Record<string, DemoCredentials> = {};
  try {
    saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, DemoCredentials>;
  } catch {
    saved = {};
  }
  const admin = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${consoleUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  for (const a of DEMO_ACCOUNTS) {
    if (saved[a.id] === undefined) {
      const created = await admin('POST', '/api/accounts', { id: a.id, name: a.name, plan: 'default' });
      const r = created.status === 409 ? await admin('POST', `/api/accounts/${a.id}/credentials`) : created;
      if (r.status !== 201 && r.status !== 200) throw new Error(`demo: onboarding ${a.name} failed: ${r.status} ${JSON.stringify(r.json)}`);
      saved[a.id] = { accessKeyId: String(r.json['accessKeyId']), secretAccessKey: String(r.json['secretAccessKey']) };
    }
    signers.set(a.id, await signerFor(a, saved[a.id]!, endpoint, sigv4));
  }
  await writeFile(file, JSON.stringify(saved), { mode: 0o600 });
  await chmod(file, 0o600);
  return signers;
}

async function signerFor(account: DemoAccount, creds: DemoCredentials, endpoint: string, sigv4: { region: string; service: string }): Promise<RequestSigner> {
  const signer = createHubSigner({ region: sigv4.region, service: sigv4.service, credentials: creds });
  // Key distribution: the account's own API key, fetched with a SigV4-signed request.
  const url = new URL('/v1/self/api-key', endpoint);
  const headers = await signer.sign({ url: url.toString(), method: 'GET', headers: { host: url.host }, body: new Uint8Array(0) });
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`demo: ${account.name} could not fetch its API key: ${res.status} ${await res.text()}`);
  const { apiKey } = (await res.json()) as { apiKey: string };
  return async ({ url: target, method, headers: h, body }) => {
    const signed = await signer.sign({ url: target.toString(), method, headers: { ...h, 'x-api-key': apiKey }, body });
    return { ...signed, 'x-api-key': apiKey };
  };
}
