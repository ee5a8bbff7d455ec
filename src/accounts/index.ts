/**
 * Accounts and their secrets: the registry (`registry.duckdb`, every row authenticated with a MAC,
 * secrets sealed under the master key, stateless session credentials), the master key and admin
 * token files, the data directory's modes, and the audit log.
 */
export { openAccountRegistry } from './account-registry.js';
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
  RegistryIntegrity,
  SessionCredentials,
} from './account-registry.js';
export { loadOrCreateMasterKey, loadOrCreateAdminToken, parseMasterKey } from './master-key.js';
export { sealSecret, openSecret } from './secret-box.js';
export { deriveKeys } from './derived-keys.js';
export type { DerivedKeys } from './derived-keys.js';
export { createSessionCodec } from './session-codec.js';
export type { MintedSession, SessionClaims, SessionCodec } from './session-codec.js';
export { newAccessKeyId, newSecretAccessKey, newApiKey, ACCESS_KEY_ID_PATTERN } from './credential-ids.js';
export { createAuditLog } from './audit-log.js';
export type { AuditEntry, AuditLog } from './audit-log.js';
export { secureDataDir, restrictFileMode } from './data-dir.js';
