import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { countItems, decodeRequest, encodeRequest } from '../../src/otlp/index.js';
import type { RequestBySignal, Signal } from '../../src/otlp/model.js';
import { logsRequest, metricsRequest, traceRequest } from './arbitraries.js';

const RUNS = 300;

const requests: { [S in Signal]: fc.Arbitrary<RequestBySignal[S]> } = {
  traces: traceRequest,
  metrics: metricsRequest,
  logs: logsRequest,
};

function checkSignal<S extends Signal>(signal: S): void {
  const arb = requests[signal];
  describe(`${signal} round trips`, () => {
    it('protobuf encode → decode is the identity', () => {
      fc.assert(
        fc.property(arb, (request) => {
          const decoded = decodeRequest(signal, encodeRequest(signal, request, 'protobuf'), 'protobuf');
          assert.deepStrictEqual(decoded, request);
          assert.equal(countItems(signal, decoded), countItems(signal, request));
        }),
        { numRuns: RUNS },
      );
    });

    it('JSON encode → decode is the identity (NaN, ±Infinity and -0 included)', () => {
      fc.assert(
        fc.property(arb, (request) => {
          const json = encodeRequest(signal, request, 'json');
          // The output is plain JSON text in UTF-8.
          JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
          assert.deepStrictEqual(decodeRequest(signal, json, 'json'), request);
        }),
        { numRuns: RUNS },
      );
    });

    it('protobuf → model → JSON → model → protobuf gives the same bytes', () => {
      fc.assert(
        fc.property(arb, (request) => {
          const first = encodeRequest(signal, request, 'protobuf');
          const viaJson = decodeRequest(signal, encodeRequest(signal, decodeRequest(signal, first, 'protobuf'), 'json'), 'json');
          assert.deepStrictEqual(Buffer.from(encodeRequest(signal, viaJson, 'protobuf')), Buffer.from(first));
        }),
        { numRuns: RUNS },
      );
    });
  });
}

checkSignal('traces');
checkSignal('metrics');
checkSignal('logs');
