/**
 * Account alert rules evaluated by the hub: a throttled account fires `throttled`, a silent one
 * `noData`; alerts link the account page and a viewer sees only its own accounts' alerts.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestHub } from '../helpers/test-hub.js';

const ACCOUNT = '123456789012';

it('throttled and noData account rules fire per account and are scoped for viewers', { timeout: 60_000 }, async () => {
  const t = await startTestHub({
    console: { publicUrl: 'https://o11y.example/console' },
    // One request per 100 s, burst 1: the second request in a row is throttled.
    usagePlans: { default: { requestsPerSecond: 0.01, burst: 1 } },
    alerts: {
      evaluateIntervalSeconds: 1,
      rules: [
        { name: 'Throttled', account: '*', when: 'throttled', windowSeconds: 60 },
        { name: 'Silent', account: 'never-sent', when: 'noData', windowSeconds: 10 },
      ],
    },
  });
  try {
    const body = JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'source.name', value: { stringValue: 's' } }] }, scopeLogs: [{ logRecords: [{ body: { stringValue: 'x' } }] }] }] });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await fetch(`${t.otlpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status);
    }
    assert.deepEqual(statuses, [200, 429, 429]);
    const alerts = await eventually(async () => {
      const r = await t.api('/api/alerts?state=firing');
      return r.json.alerts.length === 2 ? (r.json.alerts as { name: string; labels: Record<string, string>; generatorURL: string; summary: string }[]) : undefined;
    }, 'both account alerts firing');
    const throttled = alerts.find((a) => a.name === 'Throttled')!;
    assert.deepEqual(throttled.labels, { alertname: 'Throttled', account: ACCOUNT });
    assert.equal(throttled.generatorURL, `https://o11y.example/console/accounts/${ACCOUNT}`);
    assert.match(throttled.summary, /2 requests throttled/);
    const silent = alerts.find((a) => a.name === 'Silent')!;
    assert.deepEqual(silent.labels, { alertname: 'Silent', account: 'never-sent' });

    const viewer = (await t.api('/api/tokens', { method: 'POST', body: { name: 'v', accounts: [ACCOUNT] } })).json.token as string;
    const seen = await fetch(`${t.consoleUrl}/api/alerts`, { headers: { authorization: `Bearer ${viewer}` } });
    const list = ((await seen.json()) as { alerts: { name: string }[] }).alerts;
    assert.deepEqual(
      list.map((a) => a.name),
      ['Throttled'],
      'only the alerts of the viewer’s own account',
    );
  } finally {
    await t.close();
  }
});
