import { hubConfigSchema, type HubConfig } from './hub-config.js';
import { envPort, loadConfigFile, setPath } from './load-config.js';

/** Loads the hub config; env (E2E_OTLP_PORT, E2E_CONSOLE_PORT, E2E_DATA_DIR) overrides the file. */
export function loadHubConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<HubConfig> {
  return loadConfigFile(hubConfigSchema, file, (raw) => {
    const otlpPort = envPort('E2E_OTLP_PORT', env);
    if (otlpPort !== undefined) setPath(raw, ['otlp', 'port'], otlpPort);
    const consolePort = envPort('E2E_CONSOLE_PORT', env);
    if (consolePort !== undefined) setPath(raw, ['console', 'port'], consolePort);
    const dataDir = env['E2E_DATA_DIR'];
    if (dataDir !== undefined && dataDir !== '') setPath(raw, ['dataDir'], dataDir);
  });
}
