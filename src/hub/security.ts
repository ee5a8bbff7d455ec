import type { IncomingMessage, ServerResponse } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { ServerOptions as HttpsOptions } from 'node:https';
import type { Logger } from 'pino';
import type { HubConfig, UsagePlanConfig } from '../config/index.js';
import { DEFAULT_PLAN } from '../config/index.js';
import { readJsonBody, sendApiError, sendJson, type ApiRoute } from '../console/index.js';
import { createNoneAuthenticator, type Authenticator, type AuthOutcome } from '../ingest/index.js';
import { verifySigV4, loadHtpasswdFile, createBasicVerifier, parseSigV4Authorization } from '../auth/index.js';
import { createAccountRegistry, loadOrCreateAdminToken, loadOrCreateMasterKey, type AccountRegistry } from '../accounts/index.js';
import { createMemoryLimiter, createRedisLimiter, type LimitOutcome, type UsagePlanLimiter } from '../limits/index.js';
import { isE2eError } from '../errors.js';
import { watchTls } from './tls.js';

export interface HubSecurity {
  readonly adminToken: string;
  readonly authenticator: Authenticator;
  readonly registry: AccountRegistry | undefined;
  limit(accountId: string, bytes: number): Promise<LimitOutcome>;
  /** Quota used by the account in the current period (undefined: no quota, or the limiter cannot tell). */
  quotaUsed(accountId: string): Promise<number | undefined>;
  readonly tlsOptions: HttpsOptions | undefined;
  onTlsChange(listener: (tls: HttpsOptions) => void): void;
  readonly apiRoutes: ApiRoute[];
  /** Applies new usage plans (config reload). */
  setPlans(plans: Record<string, UsagePlanConfig>): void;
  close(): Promise<void>;
}

/**
 * Everything that decides who may send and how much: the account registry (secrets encrypted under
 * the master key), the authenticator of `auth.mode`, usage plans, TLS, and the accounts admin API.
 */
export async function createSecurity(config: HubConfig, dataDir: string, logger: Logger, onLimiterDegraded?: (degraded: boolean) => void): Promise<HubSecurity> {
  const adminToken = loadOrCreateAdminToken(dataDir, process.env['E2E_ADMIN_TOKEN']);
  const masterKey = loadOrCreateMasterKey(dataDir, process.env['E2E_MASTER_KEY']);
  const registry = createAccountRegistry({ dataDir, masterKey });
  let plans: Record<string, UsagePlanConfig> = config.usagePlans;

  const limiter: UsagePlanLimiter =
    config.limits.store === 'memory' ? createMemoryLimiter({}) : await createSharedLimiter(config.limits.store, logger, onLimiterDegraded);

  const sigv4 = config.auth.sigv4;
  const requireApiKey = config.auth.apiKey.required;

  const verify = (req: IncomingMessage, body: Uint8Array) =>
    verifySigV4(
      { method: req.method ?? 'GET', rawPath: req.url ?? '/', headers: req.headers, rawHeaders: req.rawHeaders, body },
      { region: sigv4.region, service: sigv4.service, maxSkewSeconds: sigv4.maxSkewSeconds, now: new Date(), lookupKey: (id) => registry.lookupAccessKey(id) },
    );

  // The account an Authorization header names by its access key id, so that a revoked account or an
  // expired session still sending shows up in that account's denied count (GET /api/stats). The
  // key id is not secret, so this reveals nothing to the sender.
  const claimedAccount = (req: IncomingMessage): string | undefined => {
    const parsed = parseSigV4Authorization(req.headers.authorization ?? '');
    return parsed.ok ? registry.lookupAccessKey(parsed.value.accessKeyId)?.accountId : undefined;
  };

  let authenticator: Authenticator;
  if (config.auth.mode === 'none') {
    authenticator = createNoneAuthenticator(config.auth.none.accountId);
  } else if (config.auth.mode === 'basic') {
    if (config.auth.basic.htpasswdFile === null) throw new Error('auth.mode basic needs auth.basic.htpasswdFile');
    const basic = createBasicVerifier({ users: loadHtpasswdFile(config.auth.basic.htpasswdFile) });
    const userAccounts = config.auth.basic.users;
    authenticator = {
      precheck: () => undefined,
      async authenticate(req): Promise<AuthOutcome> {
        const outcome = await basic.verifyBasic(req.headers.authorization, req.socket.remoteAddress ?? 'unknown');
        if (!outcome.ok) return outcome.retryAfterSeconds === undefined ? { ok: false, status: outcome.status, message: outcome.message } : { ok: false, status: outcome.status, message: outcome.message, retryAfterSeconds: outcome.retryAfterSeconds };
        const accountId = userAccounts[outcome.user];
        if (accountId === undefined) return { ok: false, status: 403, message: `user ${outcome.user} is not mapped to an account (auth.basic.users)` };
        // Like a SigV4 key, a Basic user only sends for an onboarded account: a mapping to an id that
        // was never added (or a typo) must not open an ingest path outside the registry.
        const account = registry.get(accountId);
        if (account === undefined) return { ok: false, status: 403, message: `Forbidden: user ${outcome.user} maps to account ${accountId}, which does not exist` };
        if (account.status === 'revoked') return { ok: false, status: 403, message: 'Forbidden: the account is revoked', accountId };
        return { ok: true, accountId };
      },
    };
  } else {
    authenticator = {
      precheck(req): AuthOutcome | undefined {
        const auth = req.headers.authorization;
        if (auth === undefined || auth === '') return { ok: false, status: 401, message: 'Missing Authentication Token: sign the request with AWS SigV4' };
        if (!auth.startsWith('AWS4-HMAC-SHA256 ')) return { ok: false, status: 401, message: 'Authorization header must use AWS4-HMAC-SHA256 (SigV4)' };
        if (requireApiKey && (req.headers['x-api-key'] === undefined || req.headers['x-api-key'] === '')) {
          return { ok: false, status: 401, message: 'Missing x-api-key header: fetch it with GET /v1/self/api-key' };
        }
        return undefined;
      },
      async authenticate(req, body): Promise<AuthOutcome> {
        const outcome = verify(req, body);
        if (!outcome.ok) {
          const accountId = claimedAccount(req);
          return accountId === undefined ? { ok: false, status: outcome.status, message: outcome.message } : { ok: false, status: outcome.status, message: outcome.message, accountId };
        }
        if (requireApiKey) {
          const key = req.headers['x-api-key'];
          const owner = typeof key === 'string' ? registry.accountForApiKey(key) : undefined;
          if (owner === undefined) return { ok: false, status: 403, message: 'Forbidden: the x-api-key is not valid', accountId: outcome.accountId };
          if (owner.id !== outcome.accountId) {
            return { ok: false, status: 403, message: 'Forbidden: the x-api-key belongs to another account than the signing key', accountId: outcome.accountId };
          }
        }
        return { ok: true, accountId: outcome.accountId };
      },
      async handleSelf(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
        const path = (req.url ?? '/').split('?')[0];
        if (path !== '/v1/self/api-key' && path !== '/v1/self/session') return false;
        const outcome = verify(req, new Uint8Array(0));
        if (!outcome.ok) {
          sendJson(res, outcome.status, { code: outcome.status === 401 ? 16 : 7, message: outcome.message });
          return true;
        }
        if (clientCertificateMismatch(req, outcome.accountId)) {
          sendJson(res, 403, { code: 7, message: CERT_MISMATCH });
          return true;
        }
        if (path === '/v1/self/api-key') {
          sendJson(res, 200, { accountId: outcome.accountId, apiKey: registry.apiKeyOf(outcome.accountId) });
          return true;
        }
        if (outcome.temporary) {
          sendJson(res, 403, { code: 7, message: 'session credentials cannot be used to create further sessions; sign with the long-term key' });
          return true;
        }
        const session = registry.issueSession(outcome.accessKeyId, sigv4.sessionTtlSeconds);
        sendJson(res, 200, session);
        return true;
      },
    };
  }

  if (config.auth.mode !== 'none') authenticator = withClientCertificateMapping(authenticator);

  const tls = await watchTls(config.otlp.tls, logger);

  const apiRoutes: ApiRoute[] = [accountsRoute(registry, () => plans, logger)];

  return {
    adminToken,
    authenticator,
    registry,
    limit(accountId, bytes) {
      const planName = registry.get(accountId)?.plan ?? 'default';
      const plan = plans[planName] ?? plans['default'] ?? DEFAULT_PLAN;
      return limiter.take(accountId, plan, bytes);
    },
    quotaUsed(accountId) {
      const plan = plans[registry.get(accountId)?.plan ?? 'default'] ?? plans['default'] ?? DEFAULT_PLAN;
      return limiter.quotaUsed?.(accountId, plan) ?? Promise.resolve(undefined);
    },
    tlsOptions: tls.options,
    onTlsChange: (l) => tls.onChange(l),
    apiRoutes,
    setPlans(next) {
      plans = next;
    },
    async close() {
      tls.close();
      await limiter.close?.();
    },
  };
}

const CERT_MISMATCH = 'Forbidden: the client certificate does not belong to the account';

/**
 * The subject CN of the client certificate the TLS layer verified against `otlp.tls.clientCa`, or
 * undefined when the connection is plain HTTP, presented no certificate, or presented one that did
 * not verify (possible when `clientCa` is set without `requireClientCert`: such a certificate proves
 * nothing, so it is ignored rather than mapped).
 */
function verifiedClientCn(req: IncomingMessage): string | undefined {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  // A subject with several CNs arrives as an array: ambiguous, so it matches no account.
  return typeof cn === 'string' ? cn : '';
}

/** True when a verified client certificate names another account than `accountId` (see below). */
function clientCertificateMismatch(req: IncomingMessage, accountId: string): boolean {
  const cn = verifiedClientCn(req);
  return cn !== undefined && cn !== accountId;
}

/**
 * mTLS account mapping. When the ingest connection presented a client certificate verified against
 * `otlp.tls.clientCa` (always the case with `requireClientCert: true`), the certificate's subject CN
 * must equal the account id that the SigV4 signature or the Basic user authenticated; otherwise 403.
 * So a certificate issued to one account cannot carry another account's (leaked) credentials: both
 * factors have to name the same account. Connections without a verified certificate are judged on
 * their credentials alone. The `/v1/self/*` key-distribution routes apply the same rule.
 */
function withClientCertificateMapping(inner: Authenticator): Authenticator {
  const mapped: Authenticator = {
    precheck: (req) => inner.precheck(req),
    async authenticate(req, body): Promise<AuthOutcome> {
      const outcome = await inner.authenticate(req, body);
      if (!outcome.ok) return outcome;
      if (clientCertificateMismatch(req, outcome.accountId)) return { ok: false, status: 403, message: CERT_MISMATCH, accountId: outcome.accountId };
      return outcome;
    },
  };
  if (inner.handleSelf !== undefined) mapped.handleSelf = inner.handleSelf.bind(inner);
  return mapped;
}

const ACCOUNT_PATH = /^\/api\/accounts\/([^/]+)(?:\/(revoke|restore|credentials)(?:\/([^/]+))?)?$/;

/** `/api/accounts…`: onboarding, listing, cut-off and key rotation (DESIGN.md console API). */
function accountsRoute(registry: AccountRegistry, plans: () => Record<string, UsagePlanConfig>, logger: Logger): ApiRoute {
  return async (req, res, url) => {
    const path = url.pathname;
    if (path !== '/api/accounts' && !path.startsWith('/api/accounts/')) return false;
    const actor = 'admin-token';
    try {
      if (path === '/api/accounts') {
        if (req.method === 'GET') {
          sendJson(res, 200, { accounts: registry.list().map((a) => ({ id: a.id, name: a.name, plan: a.plan, status: a.status, createdAt: a.createdAt })) });
          return true;
        }
        if (req.method === 'POST') {
          const body = await readJsonBody(req);
          if (!body.ok) return (sendApiError(res, 400, 'E2E_BAD_REQUEST', body.message), true);
          const v = body.value as { id?: unknown; name?: unknown; plan?: unknown };
          if (typeof v.id !== 'string' || typeof v.name !== 'string' || (v.plan !== undefined && typeof v.plan !== 'string')) {
            sendApiError(res, 400, 'E2E_BAD_REQUEST', 'body must be {"id": string, "name": string, "plan"?: string}');
            return true;
          }
          const plan = v.plan ?? 'default';
          if (plan !== 'default' && plans()[plan] === undefined) {
            sendApiError(res, 400, 'E2E_BAD_REQUEST', `unknown usage plan '${plan}'; configured: default${Object.keys(plans()).filter((p) => p !== 'default').map((p) => `, ${p}`).join('')}`);
            return true;
          }
          const created = registry.add({ id: v.id, name: v.name, plan }, actor);
          sendJson(res, 201, {
            id: created.account.id,
            name: created.account.name,
            plan: created.account.plan,
            status: created.account.status,
            apiKey: created.apiKey,
            accessKeyId: created.accessKeyId,
            secretAccessKey: created.secretAccessKey,
          });
          return true;
        }
        sendApiError(res, 405, 'E2E_METHOD_NOT_ALLOWED', `${req.method ?? ''} /api/accounts is not supported`);
        return true;
      }
      const m = ACCOUNT_PATH.exec(path);
      if (m === null) return false;
      const id = decodeURIComponent(m[1]!);
      const action = m[2];
      if (registry.get(id) === undefined) {
        sendApiError(res, 404, 'E2E_NOT_FOUND', `account ${id} not found`);
        return true;
      }
      if (action === undefined && req.method === 'GET') {
        const a = registry.get(id)!;
        sendJson(res, 200, { id: a.id, name: a.name, plan: a.plan, status: a.status, createdAt: a.createdAt });
        return true;
      }
      if ((action === 'revoke' || action === 'restore') && req.method === 'POST' && m[3] === undefined) {
        const a = action === 'revoke' ? registry.revoke(id, actor) : registry.restore(id, actor);
        sendJson(res, 200, { id: a.id, name: a.name, plan: a.plan, status: a.status, createdAt: a.createdAt });
        return true;
      }
      if (action === 'credentials' && req.method === 'POST' && m[3] === undefined) {
        const pair = registry.rotate(id, actor);
        sendJson(res, 201, { id, accessKeyId: pair.accessKeyId, secretAccessKey: pair.secretAccessKey });
        return true;
      }
      if (action === 'credentials' && req.method === 'DELETE' && m[3] !== undefined) {
        registry.deleteCredential(id, decodeURIComponent(m[3]), actor);
        sendJson(res, 200, { id, deleted: decodeURIComponent(m[3]) });
        return true;
      }
      sendApiError(res, 405, 'E2E_METHOD_NOT_ALLOWED', `${req.method ?? ''} ${path} is not supported`);
      return true;
    } catch (err) {
      if (isE2eError(err)) {
        sendApiError(res, err.status, err.code, err.message);
        return true;
      }
      logger.error({ err }, 'accounts admin request failed');
      throw err;
    }
  };
}

/** `limits.store: redis://…`: usage-plan state shared by every replica (see src/limits/redis-limiter.ts). */
async function createSharedLimiter(url: string, logger: Logger, onStateChange?: (degraded: boolean) => void): Promise<UsagePlanLimiter> {
  return createRedisLimiter(onStateChange === undefined ? { url, logger } : { url, logger, onStateChange });
}
