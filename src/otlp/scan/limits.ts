import { MAX_ANY_VALUE_DEPTH } from '../decode-error.js';

/**
 * Limits on the *counts* in one OTLP request, not only its bytes: a 64 MiB body of tiny messages
 * decodes into millions of objects, so every count a sender controls is bounded here.
 * Over `maxItemsPerRequest` or `maxAnyValueDepth` the request is refused (400); the others reject
 * only the item they occur in (a counted partial rejection naming the limit).
 */
export interface OtlpLimits {
  /** Spans, log records or data points in one request. */
  maxItemsPerRequest: number;
  /** Entries of any attribute list (item, resource, scope, event, link, exemplar), kvlist or array value. */
  maxAttributesPerItem: number;
  /** UTF-8 bytes of an attribute key. */
  maxAttributeKeyBytes: number;
  /** Bytes of a string or bytes attribute value (a log record's own body is exempt). */
  maxAttributeValueBytes: number;
  /** Nesting of AnyValue arrays and kvlists; an attribute's own value is depth 1. */
  maxAnyValueDepth: number;
  maxEventsPerSpan: number;
  maxLinksPerSpan: number;
}

export const DEFAULT_OTLP_LIMITS: Readonly<OtlpLimits> = {
  maxItemsPerRequest: 100_000,
  maxAttributesPerItem: 256,
  maxAttributeKeyBytes: 1024,
  maxAttributeValueBytes: 128 * 1024,
  maxAnyValueDepth: MAX_ANY_VALUE_DEPTH,
  maxEventsPerSpan: 1024,
  maxLinksPerSpan: 1024,
};

/** Item-level limits, in the order their violation is reported. */
export const ITEM_LIMITS = ['maxAttributesPerItem', 'maxAttributeKeyBytes', 'maxAttributeValueBytes', 'maxEventsPerSpan', 'maxLinksPerSpan'] as const;
export type ItemLimit = (typeof ITEM_LIMITS)[number];

const LIMIT_TEXT: Record<ItemLimit, (l: OtlpLimits) => string> = {
  maxAttributesPerItem: (l) => `an attribute list, kvlist or array has more than ${l.maxAttributesPerItem} entries`,
  maxAttributeKeyBytes: (l) => `an attribute key is longer than ${l.maxAttributeKeyBytes} bytes`,
  maxAttributeValueBytes: (l) => `an attribute value is longer than ${l.maxAttributeValueBytes} bytes`,
  maxEventsPerSpan: (l) => `a span has more than ${l.maxEventsPerSpan} events`,
  maxLinksPerSpan: (l) => `a span has more than ${l.maxLinksPerSpan} links`,
};

/** The partial_success phrase of a limit, e.g. "an attribute key is longer than 1024 bytes". */
export function limitText(limit: ItemLimit, limits: OtlpLimits): string {
  return LIMIT_TEXT[limit](limits);
}
