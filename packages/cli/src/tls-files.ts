import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { TlsMaterial } from '@spark/server';
import { CliError } from './cli-error.js';

/**
 * `--tls-cert` / `--tls-key`: both or neither. Reads both files and checks, before any model
 * loads, that the first holds a PEM certificate, the second a private key, and that the key is
 * the certificate's; each failure names the flag and the file. Undefined without either flag.
 */
export async function readTlsFiles(certPath: string | undefined, keyPath: string | undefined): Promise<TlsMaterial | undefined> {
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) {
    throw new CliError(`--tls-cert and --tls-key go together: ${certPath === undefined ? '--tls-key' : '--tls-cert'} was given without ${certPath === undefined ? '--tls-cert' : '--tls-key'}`);
  }
  const cert = await readPem('--tls-cert', certPath);
  const key = await readPem('--tls-key', keyPath);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new CliError(`--tls-cert ${certPath}: not a PEM certificate (expected "-----BEGIN CERTIFICATE-----")`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new CliError(`--tls-key ${keyPath}: not a PEM private key (an unencrypted "-----BEGIN PRIVATE KEY-----" or "-----BEGIN EC/RSA PRIVATE KEY-----")`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new CliError(`--tls-key ${keyPath} is not the private key of the certificate in --tls-cert ${certPath}: the pair does not match`);
  }
  return { cert, key };
}

async function readPem(flag: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory' : (error as Error).message;
    throw new CliError(`${flag} ${path}: cannot read it (${why})`);
  }
}
