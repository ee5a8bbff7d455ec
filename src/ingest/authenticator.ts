import type { IncomingMessage, ServerResponse } from 'node:http';

export type AuthOutcome =
  | { ok: true; accountId: string }
  | {
      ok: false;
      status: 401 | 403 | 429;
      message: string;
      retryAfterSeconds?: number;
      /** The account the credentials named, when known (for per-account denied counts). */
      accountId?: string;
    };

/** How ingest learns who sent a request; one implementation per `auth.mode`. */
export interface Authenticator {
  /** Cheap header-only check before the body is read; undefined = go on. */
  precheck(req: IncomingMessage): AuthOutcome | undefined;
  /** Full check once the (still compressed) body is read: SigV4 signs the wire bytes. */
  authenticate(req: IncomingMessage, body: Uint8Array): Promise<AuthOutcome>;
  /** Handles `GET /v1/self/*` (key distribution); false when the route is not served. */
  handleSelf?(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/** `auth.mode: none`: every request belongs to one configured account. Local development only. */
export function createNoneAuthenticator(accountId: string): Authenticator {
  const outcome: AuthOutcome = { ok: true, accountId };
  return {
    precheck: () => undefined,
    authenticate: () => Promise.resolve(outcome),
  };
}
