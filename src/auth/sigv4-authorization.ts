import { SIGV4_ALGORITHM } from './sigv4-canonical.js';

/** The parts of an `Authorization: AWS4-HMAC-SHA256 …` header. */
export interface SigV4Authorization {
  accessKeyId: string;
  /** yyyymmdd from the credential scope. */
  scopeDate: string;
  scopeRegion: string;
  scopeService: string;
  scopeTerminator: string;
  /** Lower-case names as listed by the sender. */
  signedHeaders: string[];
  signature: string;
}

export type ParseAuthorizationOutcome = { ok: true; value: SigV4Authorization } | { ok: false; message: string };

/** Longest Authorization header considered; real ones are a few hundred bytes. */
const MAX_AUTHORIZATION_CHARS = 8192;

/**
 * Parses the header as API Gateway does: parameters in any order, separated by commas with optional
 * spaces; missing parameters are named in the message the way AWS names them.
 */
export function parseSigV4Authorization(header: string): ParseAuthorizationOutcome {
  if (header.length > MAX_AUTHORIZATION_CHARS) return { ok: false, message: 'Authorization header is too long.' };
  const trimmed = header.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space < 0 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== SIGV4_ALGORITHM) {
    return {
      ok: false,
      message: `Authorization header requires the '${SIGV4_ALGORITHM}' algorithm; only AWS Signature Version 4 is supported.`,
    };
  }
  const params = new Map<string, string>();
  for (const part of trimmed.slice(algorithm.length).split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) return { ok: false, message: `Authorization header parameter is malformed: '${item.slice(0, 40)}'.` };
    params.set(item.slice(0, eq).trim(), item.slice(eq + 1).trim());
  }
  const missing: string[] = [];
  for (const name of ['Credential', 'Signature', 'SignedHeaders']) {
    if (!params.get(name)) missing.push(`Authorization header requires '${name}' parameter.`);
  }
  if (missing.length > 0) return { ok: false, message: missing.join(' ') };
  const credential = params.get('Credential') as string;
  const parts = credential.split('/');
  if (parts.length !== 5 || parts.some((p) => p === '')) {
    return {
      ok: false,
      message: "Credential should be of the form '<access key id>/<yyyymmdd>/<region>/<service>/aws4_request'.",
    };
  }
  const [accessKeyId, scopeDate, scopeRegion, scopeService, scopeTerminator] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  const signedHeaders = (params.get('SignedHeaders') as string).split(';').map((n) => n.trim().toLowerCase());
  if (signedHeaders.some((n) => n === '')) {
    return { ok: false, message: "Authorization header 'SignedHeaders' parameter has an empty header name." };
  }
  return {
    ok: true,
    value: {
      accessKeyId,
      scopeDate,
      scopeRegion,
      scopeService,
      scopeTerminator,
      signedHeaders,
      signature: params.get('Signature') as string,
    },
  };
}
