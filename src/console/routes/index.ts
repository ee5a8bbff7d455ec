import type { ConsoleRoute } from '../api-router.js';
import { alertsRoutes } from './alerts-route.js';
import type { ConsoleDeps } from './console-deps.js';
import { logsRoutes } from './logs-route.js';
import { metricsRoutes } from './metrics-routes.js';
import { processesRoutes } from './processes-routes.js';
import { statsRoutes } from './stats-routes.js';
import { tokensRoutes } from './tokens-routes.js';
import { tracesRoutes } from './traces-routes.js';
import { whoamiRoutes } from './whoami-route.js';

/** Every `/api/*` route of the console except the accounts admin API (which src/hub/security.ts provides). */
export function consoleRoutes(deps: ConsoleDeps): ConsoleRoute[] {
  return [
    ...whoamiRoutes(),
    ...tokensRoutes(deps),
    ...statsRoutes(deps),
    ...tracesRoutes(deps),
    ...logsRoutes(deps),
    ...metricsRoutes(deps),
    ...processesRoutes(deps),
    ...alertsRoutes(deps),
  ];
}
export type { ConsoleDeps, AlertView } from './console-deps.js';
