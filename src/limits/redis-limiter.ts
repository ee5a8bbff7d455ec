import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createMemoryLimiter } from './memory-limiter.js';
import { quotaPeriodBounds } from './quota-period.js';
import { retryAfterSecondsFor } from './token-bucket.js';
import type { LimitOutcome, UsagePlan, UsagePlanLimiter } from './usage-plan.js';

export interface RedisLimiterOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  url: string;
  logger: Logger;
  /** Clock in ms, passed to the script so every replica counts with the caller's time (tests inject it). */
  now?: () => number;
  /** Prefix of the per-account keys; the account id follows it. */
  keyPrefix?: string;
  /** A command slower than this counts as an outage for that request (answered from memory). */
  commandTimeoutMs?: number;
  /** How long start-up waits for the first connection before starting degraded. */
  connectTimeoutMs?: number;
  /** Upper bound of the reconnect backoff while Redis is away. */
  maxReconnectDelayMs?: number;
  /** Called on every change between shared (false) and per-replica (true) limiting, e.g. to set a gauge. */
  onStateChange?: (degraded: boolean) => void;
}

export interface RedisLimiter extends UsagePlanLimiter {
  /** True while Redis is unreachable and each replica limits on its own. */
  degraded(): boolean;
  close(): Promise<void>;
}

const DEFAULT_KEY_PREFIX = 'e2e-o11y:limits:';
const DEFAULT_COMMAND_TIMEOUT_MS = 200;
const DEFAULT_CONNECT_TIMEOUT_MS = 1000;
const DEFAULT_MAX_RECONNECT_DELAY_MS = 2000;
/** Extra life of a key after its state stops mattering, so clock skew between replicas cannot cut it short. */
const KEY_GRACE_MS = 60_000;
/**
 * Longest a key is kept: a month's quota fits; a bucket with an absurdly slow rate that would take
 * longer to refill is forgotten (starts full again) after this.
 */
const KEY_MAX_KEEP_MS = 40 * 86_400_000;

/** Outcome codes of the script, in the order the checks run. */
const OUTCOME_OK = 0;
const OUTCOME_QUOTA = 1;
const OUTCOME_RATE = 2;
const OUTCOME_BYTES = 3;

/**
 * The memory limiter's checks (see memory-limiter.ts, token-bucket.ts, quota-period.ts) as one Lua
 * script, so check-and-take is atomic for every replica. It mirrors the TypeScript expression by
 * expression, in double precision on both sides; numbers are stored and returned as `%.17g` strings
 * because Redis truncates Lua numbers to integers in replies. The quota period's bounds come from the
 * caller (JavaScript's UTC calendar), so Lua does no date arithmetic.
 *
 * One hash per account: r* request bucket, b* byte bucket (t tokens, u updatedMs, c capacity,
 * r rate), q* quota (p period, s periodStartMs, n used, e periodEndMs).
 *
 * ARGV: nowMs, requestRate, requestCapacity, byteRate, byteCost, byteRequired, quotaLimit,
 * quotaPeriod, quotaStartMs, quotaEndMs, graceMs, maxKeepMs.
 * Returns { code, waitMs } with code 0 ok, 1 quota, 2 rate, 3 bytes.
 */
const TAKE_SCRIPT = `
local key = KEYS[1]
local now = tonumber(ARGV[1])
local reqRate = tonumber(ARGV[2])
local reqCap = tonumber(ARGV[3])
local byteRate = tonumber(ARGV[4])
local byteCost = tonumber(ARGV[5])
local byteRequired = tonumber(ARGV[6])
local quotaLimit = tonumber(ARGV[7])
local quotaPeriod = ARGV[8]
local quotaStart = tonumber(ARGV[9])
local quotaEnd = tonumber(ARGV[10])
local graceMs = tonumber(ARGV[11])
local maxKeepMs = tonumber(ARGV[12])

local function str(x) return string.format('%.17g', x) end

local s = redis.call('HMGET', key, 'rt', 'ru', 'rc', 'rr', 'bt', 'bu', 'bc', 'br', 'qp', 'qs', 'qn', 'qe')

-- refillBucket: a new bucket starts full; elapsed time refills at the old rate, then a changed
-- capacity rescales the tokens to the same fraction of the new one.
local function refill(t, u, c, r, capacity, rate)
  if not t then return { t = capacity, u = now, c = capacity, r = rate } end
  t = tonumber(t); u = tonumber(u); c = tonumber(c); r = tonumber(r)
  local elapsed = math.max(0, now - u)
  local tokens = math.min(c, t + (elapsed * r) / 1000)
  if c ~= capacity and c > 0 then tokens = (tokens * capacity) / c end
  return { t = math.min(capacity, tokens), u = math.max(now, u), c = capacity, r = rate }
end

-- Fields to write, by name (a later put replaces an earlier one), in first-put order.
local writes, order = {}, {}
local function put(field, value)
  if writes[field] == nil then order[#order + 1] = field end
  writes[field] = value
end
local function current(field, index)
  if writes[field] ~= nil then return writes[field] end
  return s[index]
end

-- Keeps the key while any of its state still differs from "absent": until each bucket is full again
-- and until the stored quota period ends (bounded, for absurdly slow rates).
local function expireAfter()
  local keepMs = 0
  local function bucket(t, c, r)
    if t and c and r and tonumber(r) > 0 then keepMs = math.max(keepMs, ((tonumber(c) - tonumber(t)) * 1000) / tonumber(r)) end
  end
  bucket(current('rt', 1), current('rc', 3), current('rr', 4))
  bucket(current('bt', 5), current('bc', 7), current('br', 8))
  local qe = current('qe', 12)
  if qe then keepMs = math.max(keepMs, tonumber(qe) - now) end
  keepMs = math.min(math.max(0, keepMs), maxKeepMs)
  redis.call('PEXPIRE', key, str(math.ceil(keepMs) + graceMs))
end

local function commit()
  if #order == 0 then return end
  local args = {}
  for _, field in ipairs(order) do
    args[#args + 1] = field
    args[#args + 1] = writes[field]
  end
  redis.call('HSET', key, unpack(args))
  expireAfter()
end

-- Quota first, so a sender told to wait for the reset is not first told to retry in a second.
local quotaUsed = nil
if quotaLimit > 0 then
  local used = 0
  if s[9] == quotaPeriod and tonumber(s[10]) == quotaStart then used = tonumber(s[11]) end
  if used >= quotaLimit then
    return { ${OUTCOME_QUOTA}, str(quotaEnd - now) }
  end
  quotaUsed = used + 1
end

local req = nil
if reqRate > 0 then
  req = refill(s[1], s[2], s[3], s[4], reqCap, reqRate)
  put('rt', str(req.t)); put('ru', str(req.u)); put('rc', str(req.c)); put('rr', str(req.r))
  if req.t < 1 then
    commit()
    return { ${OUTCOME_RATE}, str(((1 - req.t) * 1000) / reqRate) }
  end
end

local bytes = nil
if byteRate > 0 then
  bytes = refill(s[5], s[6], s[7], s[8], byteRate, byteRate)
  put('bt', str(bytes.t)); put('bu', str(bytes.u)); put('bc', str(bytes.c)); put('br', str(bytes.r))
  if bytes.t < byteRequired then
    commit()
    return { ${OUTCOME_BYTES}, str(((byteRequired - bytes.t) * 1000) / byteRate) }
  end
end

-- Every check passed: only now is anything consumed.
if quotaUsed then
  put('qp', quotaPeriod); put('qs', str(quotaStart)); put('qn', str(quotaUsed)); put('qe', str(quotaEnd))
end
if req then put('rt', str(req.t - 1)) end
if bytes then put('bt', str(bytes.t - byteCost)) end
commit()
return { ${OUTCOME_OK}, '0' }
`;

/** The script's command as ioredis defines it (EVALSHA, falling back to EVAL after a script flush). */
interface LimiterCommands {
  usagePlanTake(key: string, ...args: (string | number)[]): Promise<unknown>;
}

/** The URL without its password, for logs. */
function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable redis url)';
  }
}

function parseReply(reply: unknown): { code: number; waitMs: number } {
  if (!Array.isArray(reply) || reply.length !== 2) throw new Error(`unexpected limiter script reply: ${JSON.stringify(reply)}`);
  const code = Number(reply[0]);
  const waitMs = Number(reply[1]);
  if (!Number.isInteger(code) || code < OUTCOME_OK || code > OUTCOME_BYTES || Number.isNaN(waitMs)) {
    throw new Error(`unexpected limiter script reply: ${JSON.stringify(reply)}`);
  }
  return { code, waitMs };
}

/**
 * Usage-plan limiter shared by every replica through Redis: the memory limiter's semantics (request
 * bucket of `burst` at `requestsPerSecond`, byte bucket of one second's bytes, quota per UTC
 * day/week/month, 0 = unlimited, throttled requests cost nothing, quota checked first) checked and
 * taken atomically in one Lua script. Keys expire once their state no longer matters (buckets full
 * again, quota period over), so idle accounts cost nothing.
 *
 * Redis is not allowed to take ingest down: when it is unreachable, slow (over `commandTimeoutMs`) or
 * fails a command, that request is answered by a per-replica memory limiter (each replica then admits
 * up to the plan on its own), a warning is logged once per outage and `info` once Redis answers again.
 * Start-up does not fail when Redis is down; it starts degraded and reconnects with backoff.
 * `take()` never rejects.
 */
export async function createRedisLimiter(options: RedisLimiterOptions): Promise<RedisLimiter> {
  const now = options.now ?? Date.now;
  const keyPrefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS;
  for (const [name, value] of [['commandTimeoutMs', commandTimeoutMs], ['connectTimeoutMs', connectTimeoutMs], ['maxReconnectDelayMs', maxReconnectDelayMs]] as const) {
    if (!Number.isFinite(value) || value <= 0) throw new Error(`createRedisLimiter: ${name} must be a positive number, got ${value}`);
  }
  if (!/^rediss?:\/\//.test(options.url)) throw new Error(`createRedisLimiter: url must start with redis:// or rediss://, got ${redactedUrl(options.url)}`);

  const logger = options.logger.child({ component: 'redis-limiter', redis: redactedUrl(options.url) });
  const fallback = createMemoryLimiter({ now });

  const client = new Redis(options.url, {
    lazyConnect: true,
    // A request must never wait for Redis to come back: fail at once and answer from memory.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    retryStrategy: (attempt: number) => Math.min(maxReconnectDelayMs, 50 * 2 ** Math.min(attempt, 16)),
  });
  client.defineCommand('usagePlanTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  const commands = client as unknown as LimiterCommands;

  let degraded = false;
  let closed = false;
  let probing = false;

  const notify = (state: boolean): void => {
    try {
      options.onStateChange?.(state);
    } catch (err) {
      logger.error({ err }, 'onStateChange listener failed');
    }
  };
  const markDegraded = (err: unknown): void => {
    if (closed || degraded) return;
    degraded = true;
    logger.warn({ err }, 'Redis unreachable: usage plans are enforced per replica until it answers again');
    notify(true);
  };
  const markRecovered = (): void => {
    if (closed || !degraded) return;
    degraded = false;
    logger.info('Redis answers again: usage plans are shared across replicas again');
    notify(false);
  };

  // Without a listener ioredis reports every failed reconnect on stderr; the outage is logged once instead.
  const closedError = new Error('connection to Redis closed');
  let lastConnectionError: unknown = closedError;
  client.on('error', (err: unknown) => {
    lastConnectionError = err;
    logger.debug({ err }, 'Redis connection error');
  });
  client.on('close', () => markDegraded(lastConnectionError));
  client.on('ready', () => {
    lastConnectionError = closedError;
    markRecovered();
  });

  try {
    await client.connect();
  } catch (err) {
    // ioredis keeps reconnecting with the backoff above; until then requests are limited per replica.
    markDegraded(err);
  }

  const takeShared = async (accountId: string, plan: UsagePlan, bytes: number, nowMs: number): Promise<LimitOutcome> => {
    const byteCost = Math.max(0, bytes);
    const quota = plan.quota.limit > 0 ? quotaPeriodBounds(plan.quota.period, nowMs) : { startMs: 0, endMs: 0 };
    const requestCapacity = Math.max(1, plan.burst);
    const reply = await commands.usagePlanTake(
      keyPrefix + accountId,
      nowMs,
      Math.max(0, plan.requestsPerSecond),
      requestCapacity,
      Math.max(0, plan.bytesPerSecond),
      byteCost,
      Math.min(byteCost, plan.bytesPerSecond),
      Math.max(0, plan.quota.limit),
      plan.quota.period,
      quota.startMs,
      quota.endMs,
      KEY_GRACE_MS,
      KEY_MAX_KEEP_MS,
    );
    const { code, waitMs } = parseReply(reply);
    switch (code) {
      case OUTCOME_QUOTA:
        return {
          ok: false,
          reason: 'quota',
          retryAfterSeconds: retryAfterSecondsFor(waitMs),
          message: `Limit Exceeded: account '${accountId}' used its quota of ${plan.quota.limit} requests per ${plan.quota.period}; it resets at ${new Date(quota.endMs).toISOString()}`,
        };
      case OUTCOME_RATE:
        return {
          ok: false,
          reason: 'rate',
          retryAfterSeconds: retryAfterSecondsFor(waitMs),
          message: `Too Many Requests: account '${accountId}' exceeds ${plan.requestsPerSecond} requests per second (burst ${requestCapacity})`,
        };
      case OUTCOME_BYTES:
        return {
          ok: false,
          reason: 'bytes',
          retryAfterSeconds: retryAfterSecondsFor(waitMs),
          message: `Too Many Requests: account '${accountId}' exceeds ${plan.bytesPerSecond} bytes per second`,
        };
      default:
        return { ok: true };
    }
  };

  return {
    async take(accountId, plan, bytes) {
      // An unlimited plan needs no shared state: no round trip.
      if (plan.requestsPerSecond <= 0 && plan.bytesPerSecond <= 0 && plan.quota.limit <= 0) return { ok: true };
      const nowMs = now();
      if (closed || client.status !== 'ready') {
        markDegraded(new Error(`Redis connection is ${closed ? 'closed' : client.status}`));
        return fallback.take(accountId, plan, bytes);
      }
      // While degraded with the connection up (Redis hung or failing), one request at a time probes
      // it; the others go straight to memory instead of each waiting out the command timeout.
      if (degraded && probing) return fallback.take(accountId, plan, bytes);
      const isProbe = degraded;
      if (isProbe) probing = true;
      try {
        const outcome = await takeShared(accountId, plan, bytes, nowMs);
        markRecovered();
        return outcome;
      } catch (err) {
        markDegraded(err);
        return fallback.take(accountId, plan, bytes);
      } finally {
        if (isProbe) probing = false;
      }
    },
    degraded: () => degraded,
    async close() {
      if (closed) return;
      closed = true;
      try {
        if (client.status === 'ready') await client.quit();
      } catch {
        // Quitting is a courtesy to the server; the socket is dropped below either way.
      } finally {
        client.disconnect();
      }
    },
  };
}
