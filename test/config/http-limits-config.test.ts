/** The connection-limit keys of the hub, agent and relay configs: defaults, units, bad values refused with the key named. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { hubConfigSchema, validateConfig } from '../../src/config/index.js';
import { agentConfigSchema } from '../../src/agent/index.js';
import { relayConfigSchema, relayServerOptions } from '../../src/relay/index.js';
import { ConfigError } from '../../src/errors.js';

it('hub: connection limits and timeouts have defaults', () => {
  const c = hubConfigSchema.parse({});
  const { maxConnections, maxConnectionsPerClient, headersTimeoutSeconds, idleTimeoutSeconds, allowedHosts, maxConcurrentRequests, requestTimeoutSeconds } = c.otlp;
  assert.deepEqual(
    { maxConnections, maxConnectionsPerClient, headersTimeoutSeconds, idleTimeoutSeconds, allowedHosts, maxConcurrentRequests, requestTimeoutSeconds },
    { maxConnections: 8192, maxConnectionsPerClient: 256, headersTimeoutSeconds: 10, idleTimeoutSeconds: 65, allowedHosts: [], maxConcurrentRequests: 256, requestTimeoutSeconds: 30 },
  );
  const con = c.console;
  assert.deepEqual(
    [con.maxConnections, con.maxConnectionsPerClient, con.headersTimeoutSeconds, con.requestTimeoutSeconds, con.idleTimeoutSeconds],
    [256, 64, 10, 60, 5],
  );
});

it('hub: a bad allowedHosts entry or limit stops start-up naming the key', () => {
  assert.throws(() => validateConfig(hubConfigSchema, { otlp: { allowedHosts: ['https://hub.example.com/'] } }, 'hub.yaml'), (e: unknown) => e instanceof ConfigError && /otlp\.allowedHosts\.0/.test(e.message));
  assert.throws(() => validateConfig(hubConfigSchema, { otlp: { maxConnectionsPerClient: -1 } }, 'hub.yaml'), (e: unknown) => e instanceof ConfigError && /otlp\.maxConnectionsPerClient/.test(e.message));
  assert.throws(() => validateConfig(hubConfigSchema, { console: { headersTimeoutSeconds: 0 } }, 'hub.yaml'), (e: unknown) => e instanceof ConfigError && /console\.headersTimeoutSeconds/.test(e.message));
  assert.deepEqual(validateConfig(hubConfigSchema, { otlp: { allowedHosts: ['hub.example.com', 'hub.example.com:4318', '[2001:db8::1]:4318'] } }, 'hub.yaml').otlp.allowedHosts.length, 3);
});

it('agent: receiver and health server limits have defaults', () => {
  const c = agentConfigSchema.parse({});
  const o = c.receivers.otlp;
  assert.deepEqual([o.maxConcurrentRequests, o.maxConnections, o.maxConnectionsPerClient, o.headersTimeoutSeconds, o.idleTimeoutSeconds], [256, 1024, 0, 10, 65]);
  assert.equal(c.health.maxConnections, 64);
});

it('relay: listener limits map to the server options in milliseconds', () => {
  const c = relayConfigSchema.parse({ upstreams: { default: [{ url: 'http://hub:4318' }] }, listen: { headersTimeoutSeconds: 2.5 } });
  const o = relayServerOptions(c);
  assert.deepEqual(
    [o.maxConnections, o.maxConnectionsPerClient, o.headersTimeoutMs, o.requestTimeoutMs, o.idleTimeoutMs, o.maxConcurrentRequests, o.drainTimeoutMs],
    [8192, 256, 2500, 60_000, 65_000, 256, 10_000],
  );
});
