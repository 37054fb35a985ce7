import * as net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { ClientTlsSettings, PemInput } from '../../ports/client-transport.port';

function pem(v: PemInput | undefined): string | Buffer | (string | Buffer)[] | undefined {
  if (v === undefined) return undefined;
  const one = (x: string | Uint8Array): string | Buffer =>
    typeof x === 'string' ? x : Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return Array.isArray(v) ? v.map(one) : one(v as string | Uint8Array);
}

/**
 * `tls.connect` options of a client dial (WebSocket `wss://` and TCP `tls://` alike): host, port,
 * verification, the user's `ca`/`cert`/`key`, and SNI — the user's `servername`, else the host
 * when it is a name (SNI takes host names only, RFC 6066 §3).
 */
export function clientTlsOptions(
  host: string,
  port: number,
  rejectUnauthorized: boolean,
  settings: ClientTlsSettings | undefined,
): ConnectionOptions {
  const options: ConnectionOptions = {
    host,
    port,
    rejectUnauthorized,
    servername: settings?.servername ?? (net.isIP(host) === 0 ? host : undefined),
  };
  if (settings?.ca !== undefined) options.ca = pem(settings.ca);
  if (settings?.cert !== undefined) options.cert = pem(settings.cert);
  if (settings?.key !== undefined) options.key = pem(settings.key);
  return options;
}
