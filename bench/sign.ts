import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface BenchAccount {
  id: string;
  apiKey: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Headers of one SigV4-signed POST (with x-api-key), as the AWS SDK signs it. The benchmark sends the
 * same signed request for the whole run: SigV4 has no nonce, and the date stays within the skew.
 */
export async function signedHeaders(account: BenchAccount, port: number, path: string, body: Uint8Array): Promise<Record<string, string>> {
  const signer = new SignatureV4({ credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey }, region: 'eu-central-1', service: 'execute-api', sha256: Sha256 });
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    path,
    headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/x-protobuf', 'x-api-key': account.apiKey },
    body,
  });
  const signed = await signer.sign(request);
  return signed.headers;
}

export async function createAccount(consolePort: number, adminToken: string, id: string): Promise<BenchAccount> {
  const res = await fetch(`http://127.0.0.1:${consolePort}/api/accounts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id, name: `bench ${id}`, plan: 'default' }),
  });
  if (res.status !== 201) throw new Error(`creating the bench account: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as BenchAccount;
}
