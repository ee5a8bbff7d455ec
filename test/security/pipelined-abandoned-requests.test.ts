/**
 * Attack (issue 9 §1): three connections, each writing 100 pipelined unsigned `POST /v1/logs` and
 * closing. Requests left unanswered when a connection closed used to keep their in-flight slot
 * forever: after 256 such, every request got 503 "too many concurrent requests" and /readyz still
 * said ready. Now every slot is released with its connection.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../helpers/test-hub.js';
import { marker, signedLogs, startSigV4Fixture, type SigV4Fixture } from '../helpers/signed-client.js';
import { getFrom, pipelined, sample, unsignedLogsRequest, writeAndAbandon, type CloseHow } from '../helpers/raw-http.js';

let fx: SigV4Fixture;
let otlpPort: number;
before(async () => {
  fx = await startSigV4Fixture();
  otlpPort = Number(new URL(fx.t.otlpUrl).port);
});
after(async () => {
  await fx.close();
});

const inFlight = async (): Promise<number | undefined> => {
  const r = await getFrom(`${fx.t.consoleUrl}/metrics`);
  return sample(r.body, 'e2e_http_requests_in_flight{server="otlp"}');
};

test('900 pipelined requests abandoned on 9 connections leave no slot taken; a signed request gets 200', async () => {
  const payload = pipelined(unsignedLogsRequest(`127.0.0.1:${otlpPort}`), 100);
  const ways: CloseHow[] = ['end', 'destroy-on-first-byte', 'destroy-at-once'];
  // Three rounds of the reproduction: 900 requests, far more than the 256 slots.
  for (let round = 0; round < 3; round++) {
    await Promise.all(ways.map((how) => writeAndAbandon(otlpPort, payload, how)));
  }
  await eventually(async () => (await inFlight()) === 0, 'every request slot released');

  const m = marker('after-pipelining');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.a, m));
  assert.equal(r.status, 200, r.body.toString());
  const ready = await getFrom(`${fx.t.consoleUrl}/readyz`);
  assert.equal(ready.status, 200, ready.body);
  assert.equal(JSON.parse(ready.body).status, 'ready');
});

test('after a larger flood (3 × 1000 pipelined) the hub still answers a signed request', async () => {
  const payload = pipelined(unsignedLogsRequest(`127.0.0.1:${otlpPort}`), 1000);
  await Promise.all([writeAndAbandon(otlpPort, payload, 'end'), writeAndAbandon(otlpPort, payload, 'destroy-on-first-byte'), writeAndAbandon(otlpPort, payload, 'end')]);
  await eventually(async () => (await inFlight()) === 0, 'every request slot released');
  const r = await fx.send(await signedLogs(fx.t.otlpUrl, fx.b, marker('after-flood')));
  assert.equal(r.status, 200, r.body.toString());
});
