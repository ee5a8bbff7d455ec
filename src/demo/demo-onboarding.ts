import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHubSigner } from '../agent/index.js';
import { DEMO_ACCOUNTS, type DemoAccount } from './business-process.js';
import type { RequestSigner } from './demo-sender.js';

interface DemoCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface OnboardOptions {
  /** auth.mode of the hub: only sigv4 needs credentials. */
  mode: string;
  consoleUrl: string;
  adminToken: string;
  /** Where `demo-credentials.json` (0600) keeps the key pairs across restarts. */
  dataDir: string;
  /** OTLP base URL of the hub. */
  endpoint: string;
  sigv4: { region: string; service: string };
  accounts?: readonly DemoAccount[];
}

/**
 * Onboards the demo accounts through the admin API (as an operator would) and returns a signer per
 * account. Credentials are kept in `<dataDir>/demo-credentials.json` (0600) so a restart reuses
 * them; the API key comes from the hub's key distribution route, as an agent fetches it.
 */
export async function onboardDemoAccounts(options: OnboardOptions): Promise<Map<string, RequestSigner>> {
  const accounts = options.accounts ?? DEMO_ACCOUNTS;
  const signers = new Map<string, RequestSigner>();
  if (options.mode !== 'sigv4') {
    for (const a of accounts) signers.set(a.id, () => Promise.resolve({}));
    return signers;
  }
  const file = join(options.dataDir, 'demo-credentials.json');
  let saved: Record<string, DemoCredentials> = {};
  try {
    saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, DemoCredentials>;
  } catch {
    saved = {};
  }
  const admin = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${options.consoleUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  for (const a of accounts) {
    let creds = saved[a.id];
    if (creds === undefined) {
      const created = await admin('POST', '/api/accounts', { id: a.id, name: a.name, plan: 'default' });
      const r = created.status === 409 ? await admin('POST', `/api/accounts/${a.id}/credentials`) : created;
      if (r.status !== 201 && r.status !== 200) throw new Error(`demo: onboarding ${a.name} failed: ${r.status} ${JSON.stringify(r.json)}`);
      creds = { accessKeyId: String(r.json['accessKeyId']), secretAccessKey: String(r.json['secretAccessKey']) };
      saved[a.id] = creds;
    }
    signers.set(a.id, await signerFor(a, creds, options.endpoint, options.sigv4));
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
