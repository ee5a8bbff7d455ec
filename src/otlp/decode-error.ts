import { E2eError } from '../errors.js';

/**
 * The one error every OTLP decoder throws for bad input (code E2E_BAD_REQUEST, HTTP 400). The
 * message starts with "invalid protobuf:" or "invalid JSON:" and names the offset or JSON path, so
 * a sender can find what it got wrong without our stack trace.
 */
export class OtlpDecodeError extends E2eError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E2E_BAD_REQUEST', message, options);
    this.name = 'OtlpDecodeError';
  }
}

/**
 * Deepest nesting of AnyValue arrays/kvlists a decoder accepts (an attribute's own value is depth
 * 1). Everything else in OTLP nests to a fixed depth, so this bound is what keeps decoding of any
 * input off a stack overflow.
 */
export const MAX_ANY_VALUE_DEPTH = 32;
