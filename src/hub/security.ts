import type { IncomingMessage, ServerResponse } from 'node:http';
import { TLSSocket } from 'node:tls';
import type { ServerOptions as HttpsOptions } from 'node:https';
import type { Logger } from 'pino';
import type { HubConfig, UsagePlanConfig } from '../config/index.js';
import { DEFAULT_PLAN } from '../config/index.js';
import { readJsonBody, sendApiError, sendJson, type ApiRoute } from '../console/index.js';
import { createNoneAuthenticator, type Authenticator, type AuthOutcome } from '../ingest/index.js';
import { verifySigV4, loadHtpasswdFile, createBasicVerifier, parseSigV4Authorization } from '../auth/index.js';
import { loadOrCreateAdminToken, loadOrCreateMasterKey, openAccountRegistry, secureDataDir, type AccountRegistry } from '../accounts/index.js';
import { createFailedAttemptLimiter } from '../auth/index.js';
import { createKeyedRateLimiter, createMemoryLimiter, createRedisLimiter, type LimitOutcome, type UsagePlanLimiter } from '../limits/index.js';
import { grpcCodeForHttpStatus, isE2eError } from '../errors.js';
import { watchTls } from './tls.js';

export interface HubSecurity {
  readonly adminToken: string;
  readonly authenticator: Authenticator;
  readonly registry: AccountRegistry | undefined;
  /** `bytesOnly`: charge the byte rate only (no request or quota token), e.g. for decompressed bytes. */
  limit(accountId: string, bytes: number, options?: { bytesOnly?: boolean }): Promise<LimitOutcome>;
  /** Quota used by the account in the current period (undefined: no quota, or the limiter cannot tell). */
  quotaUsed(accountId: string): Promise<number | undefined>;
  /** The usage plan in force for an account: its own when configured, else `default`. */
  planOf(accountId: string): UsagePlanConfig;
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
  await secureDataDir(dataDir, logger);
  const adminToken = loadOrCreateAdminToken(dataDir, process.env['E2E_ADMIN_TOKEN']);
  const masterKey = loadOrCreateMasterKey(dataDir, process.env['E2E_MASTER_KEY']);
  const registry = await openAccountRegistry({ dataDir, masterKey, logger });
  let plans = planTable(config.usagePlans);
  /** `account\0plan` pairs already warned about, so a missing plan is logged once, not per request. */
  let warnedPlans = new Set<string>();

  const limiter: UsagePlanLimiter =
    config.limits.store === 'memory' ? createMemoryLimiter({}) : await createSharedLimiter(config.limits.store, logger, onLimiterDegraded);

  const sigv4 = config.auth.sigv4;
  const requireApiKey = config.auth.apiKey.required;

  const verify = (req: IncomingMessage, body: Uint8Array) =>
    verifySigV4(
      { method: req.method ?? 'GET', rawPath: req.url ?? '/', headers: req.headers, rawHeaders: req.rawHeaders, body },
      {
        region: sigv4.region,
        service: sigv4.service,
        maxSkewSeconds: sigv4.maxSkewSeconds,
        now: new Date(),
        lookupKey: (id, token) => registry.lookupAccessKey(id, token),
      },
    );

  // /v1/self/*: a bucket per (verified) account, so one tenant looping on it gets 429 and costs the
  // others nothing; and a cap on failed signatures per client address, checked only after a
  // signature failed, so a client sharing an address (NAT, load balancer) is never refused a valid one.
  const selfConfig = config.auth.self;
  const selfLimiter = createKeyedRateLimiter({ requestsPerMinute: selfConfig.requestsPerMinute, burstRequests: selfConfig.burstRequests });
  const selfFailures = createFailedAttemptLimiter({ maxFailures: selfConfig.maxFailedSignaturesPerMinute, windowMs: 60_000 });

  // The account an Authorization header names by its access key id, so that a revoked account or an
  // expired session still sending shows up in that account's denied count (GET /api/stats). The
  // key id is not secret, so this reveals nothing to the sender.
  const claimedAccount = (req: IncomingMessage): string | undefined => {
    const parsed = parseSigV4Authorization(req.headers.authorization ?? '');
    const token = req.headers['x-amz-security-token'];
    return parsed.ok ? registry.lookupAccessKey(parsed.value.accessKeyId, typeof token === 'string' ? token.trim() : undefined)?.accountId : undefined;
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
          const address = req.socket.remoteAddress ?? 'unknown';
          const allowed = selfFailures.check(address);
          if (!allowed.ok) {
            sendSelf(res, 429, { code: 8, message: `Too Many Requests: too many failed signatures from this address on /v1/self/*; retry in ${allowed.retryAfterSeconds} s` }, allowed.retryAfterSeconds);
            return true;
          }
          selfFailures.recordFailure(address);
          sendSelf(res, outcome.status, { code: grpcCodeForHttpStatus(outcome.status), message: outcome.message });
          return true;
        }
        if (clientCertificateMismatch(req, outcome.accountId)) {
          sendSelf(res, 403, { code: grpcCodeForHttpStatus(403), message: CERT_MISMATCH });
          return true;
        }
        const admitted = selfLimiter.take(outcome.accountId);
        if (!admitted.ok) {
          sendSelf(
            res,
            429,
            { code: 8, message: `Too Many Requests: account '${outcome.accountId}' exceeds ${selfConfig.requestsPerMinute} requests per minute to /v1/self/* (auth.self.requestsPerMinute)` },
            admitted.retryAfterSeconds,
          );
          return true;
        }
        if (path === '/v1/self/api-key') {
          sendSelf(res, 200, { accountId: outcome.accountId, apiKey: registry.apiKeyOf(outcome.accountId) });
          return true;
        }
        if (outcome.temporary) {
          sendSelf(res, 403, { code: grpcCodeForHttpStatus(403), message: 'session credentials cannot be used to create further sessions; sign with the long-term key' });
          return true;
        }
        try {
          // Stateless: minting a session writes nothing (see src/accounts/session-codec.ts).
          sendSelf(res, 200, registry.issueSession(outcome.accessKeyId, sigv4.sessionTtlSeconds));
        } catch (err) {
          if (!isE2eError(err)) throw err;
          // Revoked or deleted between the signature check and here.
          sendSelf(res, err.status, { code: err.status === 403 ? 7 : 3, message: err.message });
        }
        return true;
      },
    };
  }

  if (config.auth.mode !== 'none') authenticator = withClientCertificateMapping(authenticator);

  const tls = await watchTls(config.otlp.tls, logger);

  const apiRoutes: ApiRoute[] = [accountsRoute(registry, () => plans, logger)];

  const planOf = (accountId: string): UsagePlanConfig => plans.get(registry.get(accountId)?.plan ?? 'default') ?? plans.get('default') ?? DEFAULT_PLAN;
  return {
    adminToken,
    authenticator,
    registry,
    limit(accountId, bytes, options) {
      const planName = registry.get(accountId)?.plan ?? 'default';
      let plan = plans.get(planName);
      if (plan === undefined) {
        // The account's plan was removed from the config (or never existed there): the default
        // plan applies, never an error; said once per account and plan, not per request.
        plan = plans.get('default') ?? DEFAULT_PLAN;
        const warnKey = `${accountId}\u0000${planName}`;
        if (!warnedPlans.has(warnKey)) {
          warnedPlans.add(warnKey);
          logger.warn({ accountId, plan: planName, configured: [...plans.keys()] }, "account's usage plan is not configured; the default plan applies");
        }
      }
      if (options?.bytesOnly === true) return limiter.take(accountId, { ...plan, requestsPerSecond: 0, quota: { ...plan.quota, limit: 0 } }, bytes);
      return limiter.take(accountId, plan, bytes);
    },
    quotaUsed(accountId) {
      return limiter.quotaUsed?.(accountId, planOf(accountId)) ?? Promise.resolve(undefined);
    },
    planOf,
    tlsOptions: tls.options,
    onTlsChange: (l) => tls.onChange(l),
    apiRoutes,
    setPlans(next) {
      plans = planTable(next);
      warnedPlans = new Set();
    },
    async close() {
      tls.close();
      await limiter.close?.();
      await registry.close();
    },
  };
}

const CERT_MISMATCH = 'Forbidden: the client certificate does not belong to the account';

/**
 * Usage plans by name in a Map, with `default` always present: a plan name is data (an admin or an
 * old registry row may say `constructor` or `__proto__`), so it must never be looked up as an object
 * property, where such names find Object.prototype's members instead of nothing.
 */
function planTable(configured: Record<string, UsagePlanConfig>): ReadonlyMap<string, UsagePlanConfig> {
  const table = new Map<string, UsagePlanConfig>(Object.entries(configured));
  if (!table.has('default')) table.set('default', DEFAULT_PLAN);
  return table;
}

/** A `/v1/self/*` answer: JSON (google.rpc.Status shape on errors), with Retry-After on 429. */
function sendSelf(res: ServerResponse, status: number, body: unknown, retryAfterSeconds?: number): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' };
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds);
  res.writeHead(status, headers).end(text);
}

/** decodeURIComponent that answers undefined for malformed percent-encoding instead of throwing. */
function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

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
function accountsRoute(registry: AccountRegistry, plans: () => ReadonlyMap<string, UsagePlanConfig>, logger: Logger): ApiRoute {
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
          // A JSON body that is not an object (null, a number, an array) is bad input, not a crash.
          const v = (typeof body.value === 'object' && body.value !== null && !Array.isArray(body.value) ? body.value : {}) as { id?: unknown; name?: unknown; plan?: unknown };
          if (typeof v.id !== 'string' || typeof v.name !== 'string' || (v.plan !== undefined && typeof v.plan !== 'string')) {
            sendApiError(res, 400, 'E2E_BAD_REQUEST', 'body must be {"id": string, "name": string, "plan"?: string}');
            return true;
          }
          const plan = v.plan ?? 'default';
          const configured = plans();
          if (!configured.has(plan)) {
            const names = ['default', ...[...configured.keys()].filter((p) => p !== 'default').sort()];
            sendApiError(res, 400, 'E2E_BAD_REQUEST', `unknown usage plan '${plan.slice(0, 64)}'; configured plans: ${names.join(', ')}`);
            return true;
          }
          const created = await registry.add({ id: v.id, name: v.name, plan }, actor);
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
      const id = decodePathSegment(m[1]!);
      const keyId = m[3] === undefined ? undefined : decodePathSegment(m[3]);
      if (id === undefined || (m[3] !== undefined && keyId === undefined)) {
        sendApiError(res, 400, 'E2E_BAD_REQUEST', 'malformed percent-encoding in the path');
        return true;
      }
      const action = m[2];
      if (action === 'credentials' && req.method === 'DELETE' && keyId !== undefined) {
        // Before the existence check: a refused (tampered) key row may name an account that does not exist.
        await registry.deleteCredential(id, keyId, actor);
        sendJson(res, 200, { id, deleted: keyId });
        return true;
      }
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
        const a = action === 'revoke' ? await registry.revoke(id, actor) : await registry.restore(id, actor);
        sendJson(res, 200, { id: a.id, name: a.name, plan: a.plan, status: a.status, createdAt: a.createdAt });
        return true;
      }
      if (action === 'credentials' && req.method === 'POST' && m[3] === undefined) {
        const pair = await registry.rotate(id, actor);
        sendJson(res, 201, { id, accessKeyId: pair.accessKeyId, secretAccessKey: pair.secretAccessKey });
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
