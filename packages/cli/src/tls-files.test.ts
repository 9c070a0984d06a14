import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { selfSignedCert, type SelfSignedCert } from '@spark/server/testing';
import { CliError } from './cli-error.js';
import { readTlsFiles } from './tls-files.js';

void describe('readTlsFiles (--tls-cert / --tls-key)', () => {
  let dir: string;
  let cert: SelfSignedCert;
  let other: SelfSignedCert;
  let notPem: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'spark-tls-files-'));
    cert = await selfSignedCert(dir, 'server');
    other = await selfSignedCert(dir, 'other');
    notPem = join(dir, 'not-a-cert.pem');
    await writeFile(notPem, 'hello\n');
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  const refused = async (certPath: string | undefined, keyPath: string | undefined, message: RegExp): Promise<void> => {
    await assert.rejects(readTlsFiles(certPath, keyPath), (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.equal(error.exitCode, 2);
      assert.match(error.message, message);
      return true;
    });
  };

  void it('reads a matching pair, and nothing without either flag', async () => {
    assert.equal(await readTlsFiles(undefined, undefined), undefined);
    assert.deepEqual(await readTlsFiles(cert.certPath, cert.keyPath), { cert: cert.cert, key: cert.key });
  });

  void it('names the flag and the file of each failure', async () => {
    await refused(cert.certPath, undefined, /--tls-cert and --tls-key go together: --tls-cert was given without --tls-key/);
    await refused(undefined, cert.keyPath, /--tls-key was given without --tls-cert/);
    await refused(join(dir, 'absent.pem'), cert.keyPath, /^--tls-cert .*absent\.pem: cannot read it \(no such file\)$/);
    await refused(cert.certPath, dir, /^--tls-key .*: cannot read it \(a directory\)$/);
    await refused(notPem, cert.keyPath, /^--tls-cert .*not-a-cert\.pem: not a PEM certificate/);
    await refused(cert.certPath, notPem, /^--tls-key .*not-a-cert\.pem: not a PEM private key/);
    await refused(cert.certPath, other.keyPath, /^--tls-key .*other-key\.pem is not the private key of the certificate in --tls-cert .*server-cert\.pem: the pair does not match$/);
    // The certificate as the key and the key as the certificate: a swapped pair.
    await refused(cert.keyPath, cert.certPath, /^--tls-cert .*server-key\.pem: not a PEM certificate/);
  });

  void it('reports a file it may not read', { skip: process.getuid?.() === 0 ? 'root reads any file' : false }, async () => {
    const locked = join(dir, 'locked-key.pem');
    await writeFile(locked, cert.key);
    await chmod(locked, 0o000);
    await refused(cert.certPath, locked, /^--tls-key .*locked-key\.pem: cannot read it \(permission denied\)$/);
  });
});
