import { canRead, readableAccounts, redactAccounts, redactSpans, type Principal } from '../../access/index.js';
import {
  INSTANCE_STATUSES,
  instanceDurationMs,
  instanceStatus,
  processTimeline,
  stepStatus,
  summariseProcess,
  toStoreDefinition,
  type InstanceStatus,
  type ProcessDefinition,
  type StepStatus,
  type TimelinePoint,
} from '../../processes/index.js';
import type { EmbeddedStore, InstanceRow, LogRow, SpanRow } from '../../store/types.js';
import { badRequest, notFound, ok, type ApiReply } from '../api-reply.js';
import type { ApiHandler, ApiRequest, ConsoleRoute } from '../api-router.js';
import { QueryReader } from '../query-reader.js';
import { DAY_SECONDS, MAX_WINDOW_SECONDS, nowNsOf, type ConsoleDeps } from './console-deps.js';
import { checkPointCount, givenOnly, readScope, storeHandler } from './read-route.js';

/**
 * Instances read to compute a summary or timeline. Summaries are computed from instance rows, so a
 * window with more instances than this is summarised over the newest ones and says `truncated`.
 */
export const MAX_SUMMARY_INSTANCES = 50_000;
export const MAX_INSTANCE_LIMIT = 1000;
const MAX_KEY_CHARS = 512;

/** An instance as `GET /api/processes/{name}/instances` lists it. */
export interface InstanceView {
  key: string;
  status: InstanceStatus;
  startTimeUnixNano: string;
  durationMs: number;
  /** In order of first span start; other accounts collapse to one "hidden" for a viewer. */
  accounts: string[];
  traceIds: string[];
  steps: { name: string; seen: boolean; status: StepStatus }[];
}

/** What `GET /api/processes/{name}/instances/{key}` answers: the instance with its spans (redacted for a viewer) and logs. */
export interface InstanceDetailReply extends InstanceView {
  spans: SpanRow[];
  logs: LogRow[];
}

/** What `GET /api/processes/{name}/timeline` answers. */
export interface TimelineReply {
  stepSeconds: number;
  points: TimelinePoint[];
  /** More instances in the window than MAX_SUMMARY_INSTANCES: the newest were counted. */
  truncated: boolean;
}

function instanceView(def: ProcessDefinition, row: InstanceRow, nowNs: bigint, principal: Principal): InstanceView {
  return {
    key: row.key,
    status: instanceStatus(row, def, nowNs),
    startTimeUnixNano: row.startNs.toString(),
    durationMs: instanceDurationMs(row),
    accounts: redactAccounts(principal, row.accounts),
    traceIds: row.traceIds,
    steps: row.steps.map((s) => ({ name: s.name, seen: s.seen, status: stepStatus(s) })),
  };
}

/** Reads every instance of a window (up to MAX_SUMMARY_INSTANCES) within the principal's scope. */
async function windowInstances(store: EmbeddedStore, def: ProcessDefinition, principal: Principal, since: bigint, until: bigint) {
  const accounts = readableAccounts(principal);
  const rows = await store.processInstances(toStoreDefinition(def), {
    since,
    until,
    ...(accounts === undefined ? {} : { accounts }),
    limit: MAX_SUMMARY_INSTANCES,
  });
  return { rows, truncated: rows.length >= MAX_SUMMARY_INSTANCES };
}

/** Default timeline step: whole minutes, at most about 288 points (5-minute steps over a day). */
function defaultStepSeconds(windowNs: bigint): number {
  const seconds = Number(windowNs / 1_000_000_000n);
  return Math.max(60, Math.ceil(seconds / 288 / 60) * 60);
}

export function processesRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  /** A route of one process, named by the `:name` path parameter; `404` when no process has that name. */
  const processHandler = (handler: (store: EmbeddedStore, def: ProcessDefinition, request: ApiRequest) => Promise<ApiReply>): ApiHandler =>
    storeHandler(deps, async (store, request) => {
      const name = request.params['name'];
      const def = name === undefined ? undefined : deps.processes.get(name);
      if (def === undefined) return notFound(`no process named '${name ?? ''}' (see processes: in the hub config)`);
      return handler(store, def, request);
    });
  return [
    {
      method: 'GET',
      path: '/api/processes',
      access: 'read',
      handler: storeHandler(deps, async (store, { query, principal }) => {
        const q = new QueryReader(query);
        const nowNs = nowNsOf(deps);
        const { since, until } = q.window(nowNs, DAY_SECONDS, MAX_WINDOW_SECONDS);
        if (q.error !== undefined) return badRequest(q.error);
        const processes = [];
        for (const def of deps.processes.list()) {
          const { rows, truncated } = await windowInstances(store, def, principal, since, until);
          processes.push({ ...summariseProcess(def, rows, nowNs), truncated });
        }
        return ok({ processes, sinceUnixNano: since.toString(), untilUnixNano: until.toString() });
      }),
    },
    {
      method: 'GET',
      path: '/api/processes/:name/instances',
      access: 'read',
      handler: processHandler(async (store, def, { query, principal }) => {
        const q = new QueryReader(query);
        const nowNs = nowNsOf(deps);
        const status = q.oneOf('status', INSTANCE_STATUSES);
        const key = q.string('key', MAX_KEY_CHARS);
        const account = q.string('account', 64);
        const limit = q.int('limit', { min: 1, max: MAX_INSTANCE_LIMIT, def: 100 });
        const { since, until } = q.window(nowNs, DAY_SECONDS, MAX_WINDOW_SECONDS);
        const scope = readScope(q, principal, account);
        if (!scope.ok) return scope.reply;
        // Status is computed, not stored: filtering by it reads the window and filters here.
        const rows = await store.processInstances(toStoreDefinition(def), {
          since,
          until,
          ...givenOnly({ key, accounts: scope.only }),
          limit: status === undefined ? limit : MAX_SUMMARY_INSTANCES,
        });
        const instances = rows
          .map((row) => instanceView(def, row, nowNs, principal))
          .filter((i) => status === undefined || i.status === status)
          .slice(0, limit);
        return ok({ instances });
      }),
    },
    {
      method: 'GET',
      path: '/api/processes/:name/instances/:key',
      access: 'read',
      handler: processHandler(async (store, def, { params, principal }) => {
        const key = params['key'] ?? '';
        if (key === '' || key.length > MAX_KEY_CHARS) return badRequest(`a business key is 1-${MAX_KEY_CHARS} characters`);
        const found = await store.processInstance(toStoreDefinition(def), key);
        // A viewer learns nothing about instances that do not touch its accounts.
        if (found === undefined || !found.row.accounts.some((a) => canRead(principal, a))) return notFound(`${def.name} instance ${key} not found`);
        return ok({
          ...instanceView(def, found.row, nowNsOf(deps), principal),
          spans: redactSpans(principal, found.spans),
          logs: found.logs.filter((l) => canRead(principal, l.accountId)),
        } satisfies InstanceDetailReply);
      }),
    },
    {
      method: 'GET',
      path: '/api/processes/:name/timeline',
      access: 'read',
      handler: processHandler(async (store, def, { query, principal }) => {
        const q = new QueryReader(query);
        const nowNs = nowNsOf(deps);
        const { since, until } = q.window(nowNs, DAY_SECONDS, MAX_WINDOW_SECONDS);
        const stepSeconds = q.int('stepSeconds', { min: 1, max: MAX_WINDOW_SECONDS, def: defaultStepSeconds(until - since) });
        checkPointCount(q, since, until, stepSeconds);
        if (q.error !== undefined) return badRequest(q.error);
        const { rows, truncated } = await windowInstances(store, def, principal, since, until);
        const points = processTimeline(def, rows, since, until, BigInt(stepSeconds) * 1_000_000_000n, nowNs);
        return ok({ stepSeconds, points, truncated } satisfies TimelineReply);
      }),
    },
  ];
}
