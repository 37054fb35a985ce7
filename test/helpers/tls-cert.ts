import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A self-signed certificate for 127.0.0.1 / localhost, PEM encoded. */
export interface TestCert {
  readonly key: string;
  readonly cert: string;
}

let cached: TestCert | null = null;

/**
 * Generates (once per test process) a throw-away self-signed certificate with the `openssl`
 * CLI in a temp directory, valid for localhost and 127.0.0.1.
 */
export function testCert(): TestCert {
  if (cached !== null) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'stelar-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
        '-keyout', keyPath, '-out', certPath, '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    cached = { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
