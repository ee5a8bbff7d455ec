import { MAX_ANY_VALUE_DEPTH } from './decode-error.js';

/**
 * Checks the shape of a JSON body before `JSON.parse` sees it: nesting depth and the number of
 * objects and arrays. V8's parser is iterative, so 33 million `[` in 64 KiB of gzip would otherwise
 * allocate gigabytes and hold the event loop for tens of seconds before the decoder refused it.
 * One pass over the bytes, no allocation.
 */
/** OTLP JSON nests at most a few levels above its AnyValues (each AnyValue level is ≤ 4 JSON levels). */
export const MAX_JSON_DEPTH = 16 + 4 * MAX_ANY_VALUE_DEPTH;

export type JsonShapeOutcome = { ok: true; containers: number } | { ok: false; message: string };

export function checkJsonShape(body: Uint8Array, maxContainers: number, maxDepth = MAX_JSON_DEPTH): JsonShapeOutcome {
  let depth = 0;
  let containers = 0;
  let inString = false;
  const n = body.length;
  for (let i = 0; i < n; i++) {
    const c = body[i] as number;
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return { ok: false, message: `invalid JSON: nesting deeper than ${maxDepth} levels at byte ${i}` };
      if (++containers > maxContainers) {
        return { ok: false, message: `invalid JSON: more than ${maxContainers} objects and arrays (limit maxJsonContainers); split the request` };
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return { ok: true, containers };
}
