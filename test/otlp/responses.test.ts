import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeExportResponse,
  decodeRpcStatus,
  encodeExportResponse,
  encodeRpcStatus,
  OtlpDecodeError,
  SIGNALS,
  type OtlpFormat,
} from '../../src/otlp/index.js';
import { i32, i64, text } from './arbitraries.js';

const FORMATS: readonly OtlpFormat[] = ['protobuf', 'json'];
const utf8 = (body: Uint8Array): string => new TextDecoder().decode(body);

describe('Export*ServiceResponse', () => {
  for (const format of FORMATS) {
    it(`${format}: partial_success round trips for every signal`, () => {
      fc.assert(
        fc.property(fc.constantFrom(...SIGNALS), i64, text, (signal, rejected, errorMessage) => {
          fc.pre(rejected !== 0n || errorMessage !== '');
          const partial = { rejected, errorMessage };
          assert.deepStrictEqual(decodeExportResponse(signal, encodeExportResponse(signal, partial, format), format), partial);
        }),
        { numRuns: 300 },
      );
    });

    it(`${format}: full success (no partial_success, or an empty one) decodes as undefined`, () => {
      for (const signal of SIGNALS) {
        assert.equal(decodeExportResponse(signal, encodeExportResponse(signal, undefined, format), format), undefined);
        const empty = encodeExportResponse(signal, { rejected: 0n, errorMessage: '' }, format);
        assert.equal(decodeExportResponse(signal, empty, format), undefined);
      }
    });
  }

  it('has the documented wire forms', () => {
    const partial = { rejected: 3n, errorMessage: 'rule source.name' };
    // partial_success (1) { rejected_* (1) = 3, error_message (2) }
    assert.deepStrictEqual(
      Buffer.from(encodeExportResponse('traces', partial, 'protobuf')),
      Buffer.from([0x0a, 0x14, 0x08, 0x03, 0x12, 0x10, ...Buffer.from('rule source.name')]),
    );
    assert.equal(encodeExportResponse('logs', undefined, 'protobuf').length, 0);
    assert.equal(utf8(encodeExportResponse('logs', undefined, 'json')), '{}');
    assert.deepStrictEqual(JSON.parse(utf8(encodeExportResponse('traces', partial, 'json'))), {
      partialSuccess: { rejectedSpans: '3', errorMessage: 'rule source.name' },
    });
    assert.deepStrictEqual(JSON.parse(utf8(encodeExportResponse('metrics', partial, 'json'))).partialSuccess.rejectedDataPoints, '3');
    assert.deepStrictEqual(JSON.parse(utf8(encodeExportResponse('logs', partial, 'json'))).partialSuccess.rejectedLogRecords, '3');
  });

  it('decodes what other servers send: numbers, snake_case, an empty body', () => {
    const enc = new TextEncoder();
    assert.deepStrictEqual(
      decodeExportResponse('logs', enc.encode('{"partial_success":{"rejected_log_records":2,"error_message":"x"}}'), 'json'),
      { rejected: 2n, errorMessage: 'x' },
    );
    assert.equal(decodeExportResponse('traces', new Uint8Array(0), 'json'), undefined);
    assert.equal(decodeExportResponse('traces', new Uint8Array(0), 'protobuf'), undefined);
    assert.throws(() => decodeExportResponse('traces', new Uint8Array([0x0a, 0x05]), 'protobuf'), OtlpDecodeError);
    assert.throws(() => decodeExportResponse('traces', enc.encode('nope'), 'json'), OtlpDecodeError);
  });
});

describe('google.rpc.Status', () => {
  for (const format of FORMATS) {
    it(`${format}: round trips`, () => {
      fc.assert(
        fc.property(i32, text, (code, message) => {
          const status = { code, message };
          assert.deepStrictEqual(decodeRpcStatus(encodeRpcStatus(status, format), format), status);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('has the documented wire forms and skips details', () => {
    const status = { code: 8, message: 'usage plan exceeded' };
    const pb = encodeRpcStatus(status, 'protobuf');
    assert.deepStrictEqual(Buffer.from(pb), Buffer.from([0x08, 0x08, 0x12, 0x13, ...Buffer.from(status.message)]));
    assert.deepStrictEqual(JSON.parse(utf8(encodeRpcStatus(status, 'json'))), status);
    // details (3): one google.protobuf.Any { type_url (1) = "t" }
    const withDetails = new Uint8Array([...pb, 0x1a, 0x03, 0x0a, 0x01, 0x74]);
    assert.deepStrictEqual(decodeRpcStatus(withDetails, 'protobuf'), status);
    const jsonWithDetails = new TextEncoder().encode('{"code":8,"message":"usage plan exceeded","details":[{"@type":"t"}]}');
    assert.deepStrictEqual(decodeRpcStatus(jsonWithDetails, 'json'), status);
  });
});
