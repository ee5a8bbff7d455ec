import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enrichResource, resolveEnvRefs } from '../../src/agent/index.js';
import { ConfigError } from '../../src/errors.js';
import { attributesToPlain } from '../../src/otlp/attributes.js';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from '../../src/otlp/model.js';

test('resolveEnvRefs: ${NAME}, ${NAME:-default}, $${ literal; unset without default is a ConfigError', () => {
  const env = { REGION: 'eu-west-1', ACCOUNT: '123', EMPTY: '' };
  assert.deepEqual(
    resolveEnvRefs({ 'cloud.region': '${REGION}', 'cloud.account.id': 'acct-${ACCOUNT}-x', zone: '${ZONE:-none}', empty: '${EMPTY:-fallback}', lit: '$${REGION}', plain: 'a$b' }, env),
    { 'cloud.region': 'eu-west-1', 'cloud.account.id': 'acct-123-x', zone: 'none', empty: 'fallback', lit: '${REGION}', plain: 'a$b' },
  );
  assert.throws(() => resolveEnvRefs({ a: '${MISSING}' }, env), (err: unknown) => err instanceof ConfigError && /MISSING/.test(err.message));
  assert.throws(() => resolveEnvRefs({ a: '${1BAD}' }, env), ConfigError);
});

test('enrichResource adds the configured attributes to every resource; configured values win; input unchanged', () => {
  const metrics: ExportMetricsServiceRequest = {
    resourceMetrics: [
      { resource: { attributes: [{ key: 'k8s.cluster.name', value: { stringValue: 'old' } }, { key: 'service.name', value: { stringValue: 'svc' } }], droppedAttributesCount: 0 }, scopeMetrics: [], schemaUrl: '' },
      { scopeMetrics: [], schemaUrl: '' },
    ],
  };
  const out = enrichResource(metrics, { 'k8s.cluster.name': 'prod-eu', 'cloud.region': 'eu-central-1' });
  assert.deepEqual(attributesToPlain(out.resourceMetrics[0]?.resource?.attributes ?? []), { 'service.name': 'svc', 'k8s.cluster.name': 'prod-eu', 'cloud.region': 'eu-central-1' });
  assert.deepEqual(attributesToPlain(out.resourceMetrics[1]?.resource?.attributes ?? []), { 'k8s.cluster.name': 'prod-eu', 'cloud.region': 'eu-central-1' });
  assert.equal(metrics.resourceMetrics[0]?.resource?.attributes[0]?.value?.stringValue, 'old');
  assert.equal(metrics.resourceMetrics[1]?.resource, undefined);

  const logs: ExportLogsServiceRequest = { resourceLogs: [{ scopeLogs: [], schemaUrl: '' }] };
  assert.deepEqual(attributesToPlain(enrichResource(logs, { a: '1' }).resourceLogs[0]?.resource?.attributes ?? []), { a: '1' });
  const traces: ExportTraceServiceRequest = { resourceSpans: [{ scopeSpans: [], schemaUrl: '' }] };
  assert.deepEqual(attributesToPlain(enrichResource(traces, { a: '1' }).resourceSpans[0]?.resource?.attributes ?? []), { a: '1' });
});
