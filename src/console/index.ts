export { createConsoleServer } from './console-server.js';
export type { ConsoleServer, ConsoleServerOptions, ApiRoute, FallbackHandler } from './console-server.js';
export { sendJson, sendApiError, readJsonBody, bearerMatches } from './http-util.js';
export { createApiRouter } from './api-router.js';
export type { ApiRouter, ApiRouterOptions, ConsoleRoute, ApiRequest, ApiHandler, RouteAccess } from './api-router.js';
export type { ApiReply } from './api-reply.js';
export { consoleRoutes } from './routes/index.js';
export type { ConsoleDeps, AlertView } from './routes/index.js';
