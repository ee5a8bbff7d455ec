/**
 * The `message` (field 2) of a protobuf google.rpc.Status, the body of OTLP/HTTP error responses;
 * undefined when the bytes are not one. Only this one string is needed to make a failure readable,
 * so a few lines of wire-format reading beat pulling the full codec in.
 */
export function rpcStatusMessage(bytes: Uint8Array): string | undefined {
  let offset = 0;
  const varint = (): number | undefined => {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = bytes[offset++];
      if (b === undefined) return undefined;
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
    }
    return undefined;
  };
  while (offset < bytes.length) {
    const tag = varint();
    if (tag === undefined) return undefined;
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      if (varint() === undefined) return undefined;
    } else if (wire === 2) {
      const length = varint();
      if (length === undefined || offset + length > bytes.length) return undefined;
      if (field === 2) return new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(offset, offset + length));
      offset += length;
    } else if (wire === 1) {
      offset += 8;
    } else if (wire === 5) {
      offset += 4;
    } else {
      return undefined;
    }
  }
  return undefined;
}
