export { hubConfigSchema, usagePlanSchema, DEFAULT_PLAN } from './hub-config.js';
export type { HubConfig, UsagePlanConfig, ValidationRule } from './hub-config.js';
export { loadConfigFile, validateConfig, setPath, envPort } from './load-config.js';
export { loadHubConfig } from './load-hub-config.js';
