const TRACE_ID = /^[0-9a-f]{32}$/i;

/** The trace page of `text` when it is a trace id (32 hex, any case), else undefined. */
export function tracePagePath(text: string): string | undefined {
  return TRACE_ID.test(text) ? `/traces/${text.toLowerCase()}` : undefined;
}
