export { createConsoleServer } from './console-server.js';
export type { ConsoleServer, ConsoleServerOptions, ApiRoute } from './console-server.js';
export { sendJson, sendApiError, readJsonBody, bearerMatches } from './http-util.js';
export { createStaticFiles, prefersHtml, CONSOLE_CSP, DEFAULT_WEB_ROOT } from './static-files.js';
export type { StaticFiles, StaticFilesOptions } from './static-files.js';
