/**
 * The product image, run as an operator would: the hub in a container with a published port, one
 * SigV4-signed OTLP request through it and read back, healthy by its HEALTHCHECK, and a clean exit
 * (code 0) on `podman stop`. Built and started by scripts/image-test.sh (called from .ci/run), which
 * sets E2E_IMAGE_TEST=1, E2E_IMAGE and CONTAINERS_CONF; skipped in a plain `npm test`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { marker, send, signedLogs, type TestAccount } from '../helpers/signed-client.js';
import { eventually } from '../helpers/test-hub.js';
import { repoRoot } from '../helpers/paths.js';
import { parseFileSd } from '../../src/agent/file-sd.js';
import { readObjects } from '../deploy/kustomize-lite.js';

const run = promisify(execFile);
const image = process.env['E2E_IMAGE'];
const enabled = process.env['E2E_IMAGE_TEST'] === '1' && image !== undefined;
const skip = enabled ? false : 'set E2E_IMAGE_TEST=1 and E2E_IMAGE (scripts/image-test.sh does)';

async function podman(...args: string[]): Promise<string> {
  const { stdout } = await run('podman', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

async function podmanStatus(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('podman', args);
    return { code: 0, stdout: stdout.trim(), stderr: stderr.trim() };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: (e.stdout ?? '').trim(), stderr: (e.stderr ?? '').trim() };
  }
}

const hostPort = async (name: string, port: number): Promise<number> => Number((await podman('port', name, `${port}/tcp`)).split('\n')[0]!.split(':').pop());

test('the image runs the hub: the web console is served, a signed OTLP request is stored, healthcheck healthy, podman stop exits 0, data survives on the volume', { skip }, async () => {
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const name = `e2e-o11y-image-test-${suffix}`;
  const volume = `e2e-o11y-image-test-data-${suffix}`;
  const adminToken = randomBytes(24).toString('hex');
  try {
    await podman('volume', 'create', volume);
    // As in Kubernetes: read-only root file system, writable /data volume and /tmp only.
    await podman(
      'run', '-d', '--name', name, '--read-only', '--tmpfs', '/tmp', '-v', `${volume}:/data`,
      '-p', '127.0.0.1::4318', '-p', '127.0.0.1::3000', '-e', `E2E_ADMIN_TOKEN=${adminToken}`, image!,
    );
    const otlp = `http://127.0.0.1:${await hostPort(name, 4318)}`;
    const consoleUrl = `http://127.0.0.1:${await hostPort(name, 3000)}`;
    const api = async (path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; json: any }> => {
      const res = await fetch(`${consoleUrl}${path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      return { status: res.status, json: await res.json() };
    };
    await eventually(async () => (await fetch(`${consoleUrl}/readyz`).catch(() => undefined))?.ok === true, 'hub ready in the container', 60_000);

    // The web console built by `npm run build` is in the image and served with its assets.
    const page = await fetch(`${consoleUrl}/`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /<title>e2e-o11y console<\/title>/);
    const script = /<script type="module"[^>]* src="([^"]+)"/.exec(html)?.[1];
    assert.ok(script !== undefined, html);
    assert.equal((await fetch(`${consoleUrl}${script}`)).status, 200);

    // The process runs as the image's non-root user, on Node 24 from the npm package.
    assert.equal(await podman('exec', name, 'node', '-p', 'process.getuid() + " " + process.version.split(".")[0]'), '10001 v24');

    const created = await api('/api/accounts', { method: 'POST', body: { id: '123456789012', name: 'image test' } });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const account = created.json as TestAccount;
    const text = marker('image');
    const reply = await send(otlp, await signedLogs(otlp, account, text));
    assert.equal(reply.status, 200, reply.body.toString());
    const stored = await eventually(async () => {
      const r = await api(`/api/logs?contains=${encodeURIComponent(text)}`);
      return r.status === 200 && (r.json.logs as unknown[]).length > 0 ? (r.json.logs as { body: unknown; accountId: string }[]) : undefined;
    }, 'the signed log readable through /api/logs', 30_000);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.accountId, '123456789012');
    assert.equal(stored[0]!.body, text);
    // Unsigned requests are still refused in the image's default configuration.
    assert.equal((await fetch(`${otlp}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 401);

    const health = await podmanStatus('healthcheck', 'run', name);
    assert.equal(health.code, 0, `healthcheck: ${health.stdout} ${health.stderr}`);
    assert.equal(await podman('inspect', '--format', '{{.State.Health.Status}}', name), 'healthy');

    await podman('stop', '-t', '30', name);
    assert.equal(await podman('inspect', '--format', '{{.State.ExitCode}}', name), '0', await podman('logs', '--tail', '30', name));
    const logs = await podmanStatus('logs', name);
    assert.match(`${logs.stdout}\n${logs.stderr}`, /SIGTERM: draining and stopping/);

    // The data volume keeps accounts and data across a restart of the container.
    await podman('start', name);
    const consoleAgain = `http://127.0.0.1:${await hostPort(name, 3000)}`;
    await eventually(async () => (await fetch(`${consoleAgain}/readyz`).catch(() => undefined))?.ok === true, 'hub ready again', 60_000);
    const again = await fetch(`${consoleAgain}/api/logs?contains=${encodeURIComponent(text)}`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(((await again.json()) as { logs: unknown[] }).logs.length, 1);
    await podman('stop', '-t', '30', name);
    assert.equal(await podman('inspect', '--format', '{{.State.ExitCode}}', name), '0');
  } finally {
    await podmanStatus('rm', '-f', '-t', '0', name);
    await podmanStatus('volume', 'rm', '-f', volume);
  }
});

test('the image runs the agent and relay by command and reports its version', { skip }, async () => {
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  assert.equal(await podman('run', '--rm', image!, '--version'), pkg.version);
  for (const command of ['agent', 'relay']) {
    for (const variant of ['embedded', 'scale-out']) {
      const r = await podmanStatus('run', '--rm', '-e', 'CLUSTER_NAME=c1', image!, command, '--check-config', `/app/examples/${variant}/${command}.yaml`);
      assert.equal(r.code, 0, `${command} ${variant}: ${r.stderr}`);
    }
  }
  // The DaemonSet's init container command, run in the image: it writes this node's file_sd target.
  const ds = readObjects(join(repoRoot, 'deploy/kubernetes/agent/daemonset/daemonset.yaml'))[0] as any;
  const init = ds.spec.template.spec.initContainers[0] as { command: string[] };
  const script = `${init.command.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')} && cat /etc/e2e-o11y/targets/node.json`;
  const written = await podman('run', '--rm', '--read-only', '--tmpfs', '/etc/e2e-o11y/targets:rw,mode=1777', '-e', 'NODE_IP=10.1.2.3', '-e', 'NODE_NAME=node-a', '--entrypoint', 'sh', image!, '-c', script);
  const parsed = parseFileSd(written, 'node.json');
  assert.deepEqual(parsed, { ok: true, targets: [{ url: 'http://10.1.2.3:9100/metrics', job: 'node', sourceName: 'node-a' }] });

  // The agent starts in the image (no hub configured: it only receives and queues) and stops cleanly.
  const name = `e2e-o11y-agent-test-${process.pid}`;
  try {
    await podman(
      // /data: the image's VOLUME, an anonymous volume owned by the image's user.
      'run', '-d', '--name', name, '--read-only', '--tmpfs', '/tmp',
      '-e', 'E2E_HEALTHCHECK_URL=http://127.0.0.1:13133/healthz', '-p', '127.0.0.1::13133',
      '--entrypoint', 'sh', image!, '-c',
      'printf "dataDir: /data/agent\\nreceivers: { otlp: { host: 0.0.0.0 } }\\nhealth: { host: 0.0.0.0 }\\n" > /tmp/agent.yaml && exec node /app/dist/src/cli/main.js agent --config /tmp/agent.yaml',
    );
    const health = `http://127.0.0.1:${await hostPort(name, 13133)}/healthz`;
    await eventually(async () => (await fetch(health).catch(() => undefined))?.ok === true, 'agent healthy in the container', 60_000);
    assert.equal((await podmanStatus('healthcheck', 'run', name)).code, 0);
    await podman('stop', '-t', '30', name);
    assert.equal(await podman('inspect', '--format', '{{.State.ExitCode}}', name), '0');
  } finally {
    await podmanStatus('rm', '-f', '-v', '-t', '0', name);
  }
});
