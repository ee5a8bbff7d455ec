export { createConsoleServer } from './console-server.js';
export type { ConsoleServer, ConsoleServerOptions, ApiRoute } from './console-server.js';
export { sendJson, sendApiError, readJsonBody, bearerMatches } from './http-util.js';
