import type { OtlpFormat } from '../otlp/model.js';

/** OTLP/HTTP body format from a Content-Type header; undefined for anything else (→ 415). */
export function parseOtlpContentType(header: string | undefined): OtlpFormat | undefined {
  if (header === undefined) return undefined;
  const semi = header.indexOf(';');
  const media = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase();
  if (media === 'application/x-protobuf' || media === 'application/protobuf') return 'protobuf';
  if (media === 'application/json') return 'json';
  return undefined;
}

export function contentTypeOf(format: OtlpFormat): string {
  return format === 'json' ? 'application/json' : 'application/x-protobuf';
}
