import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate made by `selfSignedCert`: the files and their PEM text. */
export interface SelfSignedCert {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

/**
 * Makes a throwaway self-signed certificate (P-256, one day) for localhost and 127.0.0.1 in
 * `dir`, named `<name>-cert.pem` / `<name>-key.pem`. Node has no certificate generator, so this
 * runs `openssl` (CI installs it, .ci/run).
 */
export async function selfSignedCert(dir: string, name = 'spark'): Promise<SelfSignedCert> {
  const certPath = join(dir, `${name}-cert.pem`);
  const keyPath = join(dir, `${name}-key.pem`);
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyPath, '-out', certPath,
  ]);
  return { certPath, keyPath, cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
}
