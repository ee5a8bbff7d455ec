/**
 * Read access to the console API: who the caller is (admin or a viewer scoped to accounts), the
 * viewer token store, and how another account's data is shown to a viewer.
 */
export { readableAccounts, canRead, scopeAccounts } from './principal.js';
export type { Principal } from './principal.js';
export { createFileViewerTokenStore, VIEWER_TOKEN_PREFIX } from './viewer-tokens.js';
export type { ViewerToken, ViewerTokenStore, CreateTokenOutcome, FileViewerTokenStoreOptions } from './viewer-tokens.js';
export { redactSpan, redactSpans, redactAccounts, HIDDEN_ACCOUNT } from './redact.js';
