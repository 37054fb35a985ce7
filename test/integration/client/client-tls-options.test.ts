/**
 * The client's `ca`, `cert`, `key` and `servername` options against real TLS servers, over
 * WebSocket (wss://) and the binary TCP protocol over TLS, always with certificate verification
 * on (never `rejectUnauthorized: false`).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StelarServer, StelarClient, type StelarClientOptions } from '../../../src';
import { MODES, type Mode } from '../../helpers/server-kit';

interface Pem {
  key: string;
  cert: string;
}

/** A throw-away self-signed P-256 certificate for the given subjectAltName (openssl CLI). */
function makeCert(san: string): Pem {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stelar-client-tls-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
        '-days', '1', '-subj', '/CN=stelar-test', '-addext', `subjectAltName=${san}`],
      { stdio: 'ignore', timeout: 10_000 },
    );
    return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

let serverCert: Pem; // valid for IP:127.0.0.1
let namedCert: Pem; // valid for DNS:stelar.test only
let clientCert: Pem; // presented by clients to the mutual-TLS server
const servers: StelarServer[] = [];
const clients: StelarClient[] = [];

beforeAll(() => {
  serverCert = makeCert('IP:127.0.0.1');
  namedCert = makeCert('DNS:stelar.test');
  clientCert = makeCert('DNS:client.stelar.test');
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function tlsServer(tlsOptions: Record<string, unknown>): Promise<StelarServer> {
  const s = new StelarServer({ port: 0, tcpPort: 0, host: '127.0.0.1', logger: false, gracefulShutdown: false, tls: tlsOptions });
  s.onAck('whoami', (ctx) => ({ id: ctx.id, authorized: (ctx.socket as import('node:tls').TLSSocket).authorized === true }));
  servers.push(s);
  await s.start();
  return s;
}

/** Connects and resolves 'connected', or the first error's message. */
function attempt(s: StelarServer, mode: Mode, options: StelarClientOptions): Promise<{ client: StelarClient; outcome: string }> {
  const target = mode === 'ws' ? `wss://127.0.0.1:${s.getPort()}/` : `tls://127.0.0.1:${s.getTcpPort()}`;
  const client = new StelarClient(target, { mode, reconnection: false, logger: 'silent', ...options });
  clients.push(client);
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ client, outcome: 'connected' }));
    client.once('error', (err) => resolve({ client, outcome: err.message }));
    client.connect();
  });
}

describe.each(MODES)('client TLS options over %s', (mode) => {
  it('ca: trusts a self-signed server certificate with verification on', async () => {
    const s = await tlsServer({ key: serverCert.key, cert: serverCert.cert });
    const { client, outcome } = await attempt(s, mode, { tls: true, ca: serverCert.cert });
    expect(outcome).toBe('connected');
    expect(client.getOptions().rejectUnauthorized).toBe(true);
    await expect(client.request('whoami', null)).resolves.toMatchObject({ id: client.getId() });
  });

  it('without ca the same server is refused (the verification the ca option satisfies)', async () => {
    const s = await tlsServer({ key: serverCert.key, cert: serverCert.cert });
    const { outcome } = await attempt(s, mode, { tls: true });
    expect(outcome).toMatch(/self[- ]signed certificate/i);
  });

  it('servername: checks the certificate against that name (and sends it as SNI)', async () => {
    const s = await tlsServer({ key: namedCert.key, cert: namedCert.cert });
    const refused = await attempt(s, mode, { tls: true, ca: namedCert.cert });
    expect(refused.outcome).toMatch(/does not match|altnames/i);
    const ok = await attempt(s, mode, { tls: true, ca: namedCert.cert, servername: 'stelar.test' });
    expect(ok.outcome).toBe('connected');
  });

  it('cert + key: a mutual-TLS server admits the client that presents its certificate', async () => {
    const s = await tlsServer({ key: serverCert.key, cert: serverCert.cert, ca: clientCert.cert, requestCert: true, rejectUnauthorized: true });
    const ok = await attempt(s, mode, { tls: true, ca: serverCert.cert, cert: clientCert.cert, key: Buffer.from(clientCert.key) });
    expect(ok.outcome).toBe('connected');
    await expect(ok.client.request('whoami', null)).resolves.toEqual({ id: ok.client.getId(), authorized: true });
    const anonymous = await attempt(s, mode, { tls: true, ca: serverCert.cert });
    expect(anonymous.outcome).not.toBe('connected');
  });
});
