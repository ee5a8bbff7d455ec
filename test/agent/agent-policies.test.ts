import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAgentPolicies, resolveEnvRefs } from '../../src/agent/index.js';
import { decodeRequest, encodeRequest } from '../../src/otlp/index.js';
import { DEFAULT_OTLP_LIMITS, editRequest } from '../../src/otlp/scan/index.js';
import { ConfigError } from '../../src/errors.js';
import { attributesToPlain } from '../../src/otlp/attributes.js';
import type { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, KeyValue, RequestBySignal } from '../../src/otlp/model.js';

test('resolveEnvRefs: ${NAME}, ${NAME:-default}, $${ literal; unset without default is a ConfigError', () => {
  const env = { REGION: 'eu-west-1', ACCOUNT: '123', EMPTY: '' };
  assert.deepEqual(
    resolveEnvRefs({ 'cloud.region': '${REGION}', 'cloud.account.id': 'acct-${ACCOUNT}-x', zone: '${ZONE:-none}', empty: '${EMPTY:-fallback}', lit: '$${REGION}', plain: 'a$b' }, env),
    { 'cloud.region': 'eu-west-1', 'cloud.account.id': 'acct-123-x', zone: 'none', empty: 'fallback', lit: '${REGION}', plain: 'a$b' },
  );
  assert.throws(() => resolveEnvRefs({ a: '${MISSING}' }, env), (err: unknown) => err instanceof ConfigError && /MISSING/.test(err.message));
  assert.throws(() => resolveEnvRefs({ a: '${1BAD}' }, env), ConfigError);
});

const NONE = { metrics: { names: [] }, logs: { attributes: {}, minSeverity: null }, traces: { attributes: {} } };

function receive<S extends 'metrics' | 'logs' | 'traces'>(signal: S, request: RequestBySignal[S], sourceName: string | null = null): RequestBySignal[S] {
  const policies = createAgentPolicies({ limits: DEFAULT_OTLP_LIMITS, resourceAttributes: { 'k8s.cluster.name': 'prod-eu', 'cloud.region': 'eu-central-1' }, sourceName, include: NONE });
  const out = editRequest(policies.receive(signal), encodeRequest(signal, request, 'protobuf'));
  assert.equal(out.kind, 'ok');
  if (out.kind !== 'ok') throw new Error('unreachable');
  return decodeRequest(signal, out.bytes.subarray(out.offset), 'protobuf');
}

const gauge = (attributes: KeyValue[]): ExportMetricsServiceRequest['resourceMetrics'][number]['scopeMetrics'] => [
  { schemaUrl: '', metrics: [{ name: 'm', description: '', unit: '', metadata: [], gauge: { dataPoints: [{ attributes, startTimeUnixNano: 0n, timeUnixNano: 1n, asDouble: 1, exemplars: [], flags: 0 }] } }] },
];

test('the receive policy sets the configured attributes on every resource; configured values win', () => {
  const metrics: ExportMetricsServiceRequest = {
    resourceMetrics: [
      { resource: { attributes: [{ key: 'k8s.cluster.name', value: { stringValue: 'old' } }, { key: 'service.name', value: { stringValue: 'svc' } }], droppedAttributesCount: 0 }, scopeMetrics: gauge([]), schemaUrl: '' },
      { scopeMetrics: gauge([]), schemaUrl: '' },
    ],
  };
  const out = receive('metrics', metrics);
  assert.deepEqual(attributesToPlain(out.resourceMetrics[0]?.resource?.attributes ?? []), { 'service.name': 'svc', 'k8s.cluster.name': 'prod-eu', 'cloud.region': 'eu-central-1' });
  assert.deepEqual(attributesToPlain(out.resourceMetrics[1]?.resource?.attributes ?? []), { 'k8s.cluster.name': 'prod-eu', 'cloud.region': 'eu-central-1' });
});

test('resource.sourceName is added as source.name to resources and data points that lack one, never overriding', () => {
  const metrics: ExportMetricsServiceRequest = {
    resourceMetrics: [
      { resource: { attributes: [{ key: 'source.name', value: { stringValue: 'app-own' } }], droppedAttributesCount: 0 }, scopeMetrics: gauge([{ key: 'source.name', value: { stringValue: 'point-own' } }]), schemaUrl: '' },
      { scopeMetrics: gauge([]), schemaUrl: '' },
    ],
  };
  const out = receive('metrics', metrics, 'orders-eks');
  const sourceOf = (attrs: readonly KeyValue[] | undefined): unknown => attributesToPlain(attrs ?? [])['source.name'];
  assert.equal(sourceOf(out.resourceMetrics[0]?.resource?.attributes), 'app-own');
  assert.equal(sourceOf(out.resourceMetrics[0]?.scopeMetrics[0]?.metrics[0]?.gauge?.dataPoints[0]?.attributes), 'point-own');
  assert.equal(sourceOf(out.resourceMetrics[1]?.resource?.attributes), 'orders-eks');
  assert.equal(sourceOf(out.resourceMetrics[1]?.scopeMetrics[0]?.metrics[0]?.gauge?.dataPoints[0]?.attributes), 'orders-eks');
  const logs: ExportLogsServiceRequest = { resourceLogs: [{ scopeLogs: [{ schemaUrl: '', logRecords: [{ timeUnixNano: 1n, observedTimeUnixNano: 0n, severityNumber: 9, severityText: '', attributes: [], droppedAttributesCount: 0, flags: 0, traceId: new Uint8Array(0), spanId: new Uint8Array(0), eventName: '' }] }], schemaUrl: '' }] };
  assert.equal(sourceOf(receive('logs', logs, 'orders-eks').resourceLogs[0]?.resource?.attributes), 'orders-eks');
  const traces: ExportTraceServiceRequest = { resourceSpans: [{ scopeSpans: [], schemaUrl: '' }] };
  assert.deepEqual(receive('traces', traces, 'x').resourceSpans, [], 'an empty resource is dropped, as at the hub');
});
