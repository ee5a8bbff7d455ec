/**
 * Accounts and their secrets: the registry (accounts.json, encrypted at rest), the master key and
 * admin token files, and the audit log.
 */
export { createAccountRegistry } from './account-registry.js';
export type {
  Account,
  AccountChange,
  AccountRegistry,
  AccountRegistryOptions,
  AccountStatus,
  Actor,
  CredentialInfo,
  KeyPair,
  NewAccount,
  SessionCredentials,
} from './account-registry.js';
export { loadOrCreateMasterKey, loadOrCreateAdminToken, parseMasterKey } from './master-key.js';
export { sealSecret, openSecret } from './secret-box.js';
export { newAccessKeyId, newSecretAccessKey, newApiKey, newSessionToken, ACCESS_KEY_ID_PATTERN } from './credential-ids.js';
export { writeFileAtomicSync } from './atomic-write.js';
export { createAuditLog } from './audit-log.js';
export type { AuditEntry, AuditLog } from './audit-log.js';
