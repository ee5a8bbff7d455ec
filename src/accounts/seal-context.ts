/**
 * The authenticated data of each sealed value (AES-GCM AAD): it names the slot a value belongs to,
 * so a sealed secret copied into another row fails to open. Shared with the files of earlier
 * versions, whose sealed values are imported as they are.
 */
export const sealContext = {
  apiKey: (accountId: string): string => `apiKey:${accountId}`,
  secret: (accessKeyId: string): string => `secret:${accessKeyId}`,
  keyCheck: 'keyCheck',
} as const;
