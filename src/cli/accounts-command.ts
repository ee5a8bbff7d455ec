import { parseArgs } from 'node:util';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const HELP = `Usage: e2e-o11y accounts <command> [options]

Manages accounts on a running hub through its console API.
  add --id ID --name NAME [--plan PLAN]   onboard an account; prints its API key and first key pair (once)
  list [--json]                           list accounts (never secrets)
  revoke ID                               cut the account off ingest (within 1 s)
  restore ID                              let a revoked account send again
  rotate ID                               issue a new SigV4 key pair (the old one works until deleted)
  delete-key ID ACCESS_KEY_ID             delete one key pair
Options:
  --hub URL       console address (default $E2E_CONSOLE_URL or http://127.0.0.1:3000)
  --token TOKEN   admin token (default $E2E_ADMIN_TOKEN, else <data-dir>/admin.token)
  --data-dir DIR  the hub's data directory, to read admin.token (default $E2E_DATA_DIR or ./data)`;

export async function runAccountsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      hub: { type: 'string' },
      token: { type: 'string' },
      'data-dir': { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      plan: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  if (values.help === true || command === undefined) {
    process.stdout.write(`${HELP}\n`);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  const hub = (values.hub ?? process.env['E2E_CONSOLE_URL'] ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const envToken = process.env['E2E_ADMIN_TOKEN'];
  const token = values.token ?? (envToken === undefined || envToken === '' ? undefined : envToken) ?? (await readToken(values['data-dir'] ?? process.env['E2E_DATA_DIR'] ?? './data'));
  if (token === undefined) {
    process.stderr.write('accounts: no admin token: pass --token, set E2E_ADMIN_TOKEN or --data-dir of the hub\n');
    return 2;
  }
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const res = await fetch(`${hub}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { error: { message: text } };
    }
    return { status: res.status, json };
  };
  const fail = (r: { status: number; json: Record<string, unknown> }): number => {
    const err = r.json['error'] as { message?: string } | undefined;
    process.stderr.write(`accounts ${command}: ${r.status} ${err?.message ?? JSON.stringify(r.json)}\n`);
    return 1;
  };
  const id = args[0] ?? values.id;
  const encodedId = encodeURIComponent(id ?? '');
  switch (command) {
    case 'add': {
      if (values.id === undefined || values.name === undefined) {
        process.stderr.write('accounts add: --id and --name are required\n');
        return 2;
      }
      const r = await call('POST', '/api/accounts', { id: values.id, name: values.name, plan: values.plan ?? 'default' });
      if (r.status !== 201) return fail(r);
      process.stdout.write(`${JSON.stringify(r.json, null, 2)}\n`);
      return 0;
    }
    case 'list': {
      const r = await call('GET', '/api/accounts');
      if (r.status !== 200) return fail(r);
      const accounts = r.json['accounts'] as { id: string; name: string; plan: string; status: string; createdAt: string }[];
      if (values.json === true) process.stdout.write(`${JSON.stringify(r.json, null, 2)}\n`);
      else {
        process.stdout.write(`${'ID'.padEnd(16)}${'NAME'.padEnd(20)}${'PLAN'.padEnd(12)}${'STATUS'.padEnd(10)}CREATED\n`);
        for (const a of accounts) process.stdout.write(`${a.id.padEnd(16)}${a.name.padEnd(20)}${a.plan.padEnd(12)}${a.status.padEnd(10)}${a.createdAt}\n`);
      }
      return 0;
    }
    case 'revoke':
    case 'restore': {
      if (id === undefined) return usage(`accounts ${command} ID`);
      const r = await call('POST', `/api/accounts/${encodedId}/${command}`);
      if (r.status !== 200) return fail(r);
      process.stdout.write(`${id} ${command === 'revoke' ? 'revoked' : 'restored'}\n`);
      return 0;
    }
    case 'rotate': {
      if (id === undefined) return usage('accounts rotate ID');
      const r = await call('POST', `/api/accounts/${encodedId}/credentials`);
      if (r.status !== 201) return fail(r);
      process.stdout.write(`${JSON.stringify(r.json, null, 2)}\n`);
      return 0;
    }
    case 'delete-key': {
      const akid = args[1];
      if (id === undefined || akid === undefined) return usage('accounts delete-key ID ACCESS_KEY_ID');
      const r = await call('DELETE', `/api/accounts/${encodedId}/credentials/${encodeURIComponent(akid)}`);
      if (r.status !== 200 && r.status !== 204) return fail(r);
      process.stdout.write(`key ${akid} of ${id} deleted\n`);
      return 0;
    }
    default:
      process.stderr.write(`accounts: unknown command '${command}'\n\n${HELP}\n`);
      return 2;
  }
}

function usage(text: string): number {
  process.stderr.write(`usage: e2e-o11y ${text}\n`);
  return 2;
}

async function readToken(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(dataDir, 'admin.token'), 'utf8')).trim();
  } catch {
    return undefined;
  }
}
