import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of a PEM certificate and its private key, plus their contents. */
export interface CertFiles {
  certPath: string;
  keyPath: string;
  cert: Buffer;
  key: Buffer;
}

export interface TestPki {
  dir: string;
  ca: CertFiles;
  /** Server certificate for `127.0.0.1` and `localhost` (subjectAltName), signed by `ca`. */
  server: CertFiles;
  /** Another server certificate for the same names (certificate rotation), in new files. */
  issueServer(): Promise<CertFiles>;
  /** A client certificate (extendedKeyUsage clientAuth) with subject CN `cn`, signed by `ca`. */
  issueClient(cn: string): Promise<CertFiles>;
  /** Another, untrusted CA and a client certificate with subject CN `cn` signed by it. */
  issueUntrustedClient(cn: string): Promise<CertFiles>;
  cleanup(): Promise<void>;
}

// EC P-256 keys: generated in milliseconds, unlike RSA, and accepted by every TLS 1.2+ stack.
const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function files(dir: string, name: string): Promise<CertFiles> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  return { certPath, keyPath, cert: await readFile(certPath), key: await readFile(keyPath) };
}

async function selfSignedCa(dir: string, name: string): Promise<CertFiles> {
  await run('openssl', [
    'req', '-x509', ...KEY_ARGS, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`),
  ]);
  return files(dir, name);
}

async function issue(dir: string, ca: CertFiles, name: string, cn: string, extensions: string): Promise<CertFiles> {
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await run('openssl', ['req', '-new', ...KEY_ARGS, '-subj', `/CN=${cn}`, '-keyout', join(dir, `${name}.key`), '-out', csr]);
  await writeFile(ext, extensions);
  await run('openssl', [
    'x509', '-req', '-in', csr, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-CAcreateserial',
    '-days', '2', '-sha256', '-extfile', ext, '-out', join(dir, `${name}.crt`),
  ]);
  return files(dir, name);
}

/**
 * A throw-away PKI made with the `openssl` CLI in a temp dir: a CA, a server certificate for the
 * loopback address, and client certificates on demand (mTLS maps a client certificate's CN to an
 * account id). Call `cleanup()` when done.
 */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-pki-'));
  try {
    const ca = await selfSignedCa(dir, 'ca');
    let n = 0;
    const issueServer = (name: string): Promise<CertFiles> =>
      issue(dir, ca, name, '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
    const server = await issueServer('server');
    let untrustedCa: CertFiles | undefined;
    return {
      dir,
      ca,
      server,
      issueServer: () => issueServer(`server-${n++}`),
      issueClient: (cn) => issue(dir, ca, `client-${n++}`, cn, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n'),
      async issueUntrustedClient(cn) {
        untrustedCa ??= await selfSignedCa(dir, 'untrusted-ca');
        return issue(dir, untrustedCa, `untrusted-client-${n++}`, cn, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
      },
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
