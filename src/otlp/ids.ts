/** Byte lengths of OTLP ids (trace_id is 16 bytes, span_id 8); an empty id means "not set". */
export const TRACE_ID_BYTES = 16;
export const SPAN_ID_BYTES = 8;
