import { randomBytes } from 'node:crypto';
import { encodeRequest } from '../src/otlp/index.js';
import type { KeyValue, Signal } from '../src/otlp/model.js';

/** 20 attributes per item, as the benchmark asks; `source.name` among them so all pass. */
function attributes(i: number): KeyValue[] {
  const out: KeyValue[] = [{ key: 'source.name', value: { stringValue: 'bench-source' } }];
  for (let k = 1; k < 20; k++) {
    out.push(k % 3 === 0 ? { key: `attr.${k}`, value: { intValue: BigInt(i * k) } } : { key: `attr.${k}`, value: { stringValue: `value-${k}-${i % 50}` } });
  }
  return out;
}

const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }, { key: 'source.name', value: { stringValue: 'bench-source' } }], droppedAttributesCount: 0 };
const scope = { name: 'bench', version: '1', attributes: [], droppedAttributesCount: 0 };

/** One OTLP protobuf request body of `items` spans / log records / data points. */
export function benchPayload(signal: Signal, items = 100, seed = 0): Uint8Array {
  const now = BigInt(Date.now()) * 1_000_000n;
  if (signal === 'traces') {
    const traceId = randomBytes(16);
    return encodeRequest('traces', {
      resourceSpans: [
        {
          resource,
          schemaUrl: '',
          scopeSpans: [
            {
              scope,
              schemaUrl: '',
              spans: Array.from({ length: items }, (_, i) => ({
                traceId,
                spanId: randomBytes(8),
                traceState: '',
                parentSpanId: new Uint8Array(0),
                flags: 1,
                name: `operation-${i % 10}`,
                kind: 2,
                startTimeUnixNano: now,
                endTimeUnixNano: now + 1_000_000n,
                attributes: attributes(i + seed * items),
                droppedAttributesCount: 0,
                events: [],
                droppedEventsCount: 0,
                links: [],
                droppedLinksCount: 0,
                status: { code: 1, message: '' },
              })),
            },
          ],
        },
      ],
    }, 'protobuf');
  }
  if (signal === 'logs') {
    return encodeRequest('logs', {
      resourceLogs: [
        {
          resource,
          schemaUrl: '',
          scopeLogs: [
            {
              scope,
              schemaUrl: '',
              logRecords: Array.from({ length: items }, (_, i) => ({
                timeUnixNano: now,
                observedTimeUnixNano: now,
                severityNumber: 9,
                severityText: 'INFO',
                body: { stringValue: `order ord-${seed}-${i} processed in ${(i + seed) % 97} ms` },
                attributes: attributes(i + seed * items),
                droppedAttributesCount: 0,
                flags: 0,
                traceId: new Uint8Array(0),
                spanId: new Uint8Array(0),
                eventName: '',
              })),
            },
          ],
        },
      ],
    }, 'protobuf');
  }
  return encodeRequest('metrics', {
    resourceMetrics: [
      {
        resource,
        schemaUrl: '',
        scopeMetrics: [
          {
            scope,
            schemaUrl: '',
            metrics: [
              {
                name: 'bench_requests_total',
                description: '',
                unit: '1',
                metadata: [],
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: Array.from({ length: items }, (_, i) => ({
                    attributes: attributes(i + seed * items),
                    startTimeUnixNano: now - 60_000_000_000n,
                    timeUnixNano: now,
                    asInt: BigInt(i * 10),
                    exemplars: [],
                    flags: 0,
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  }, 'protobuf');
}
