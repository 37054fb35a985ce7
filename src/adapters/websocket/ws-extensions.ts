/**
 * Sec-WebSocket-Extensions header parsing (RFC 6455 §9.1, RFC 7230 token grammar).
 */

/** One extension offer or response: its name and parameters (a bare parameter is `true`). */
export interface ExtensionOffer {
  readonly name: string;
  readonly params: Map<string, string | true>;
  /** True when a parameter name appeared twice (RFC 7692 §5: decline such offers). */
  readonly duplicate: boolean;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && quoted) i++;
    else if (c === sep && !quoted) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) throw new SyntaxError('Unterminated quoted string in Sec-WebSocket-Extensions');
  out.push(s.slice(start));
  return out;
}

/**
 * Parses a Sec-WebSocket-Extensions value into offers, in order. Throws SyntaxError on a value
 * that does not follow the grammar (the handshake answers 400).
 */
export function parseExtensions(header: string): ExtensionOffer[] {
  const offers: ExtensionOffer[] = [];
  for (const part of splitOutsideQuotes(header, ',')) {
    const items = splitOutsideQuotes(part, ';').map((x) => x.trim());
    const name = items[0];
    if (!TOKEN.test(name)) throw new SyntaxError(`Invalid extension name "${name}"`);
    const params = new Map<string, string | true>();
    let duplicate = false;
    for (let i = 1; i < items.length; i++) {
      const item = items[i];
      const eq = item.indexOf('=');
      const key = (eq === -1 ? item : item.slice(0, eq)).trim();
      if (!TOKEN.test(key)) throw new SyntaxError(`Invalid extension parameter "${item}"`);
      let value: string | true = true;
      if (eq !== -1) {
        let raw = item.slice(eq + 1).trim();
        if (raw.startsWith('"')) {
          if (raw.length < 2 || !raw.endsWith('"')) throw new SyntaxError(`Invalid quoted value "${raw}"`);
          raw = raw.slice(1, -1).replace(/\\(.)/g, '$1');
        }
        if (!TOKEN.test(raw)) throw new SyntaxError(`Invalid extension parameter value "${raw}"`);
        value = raw;
      }
      if (params.has(key)) duplicate = true;
      params.set(key, value);
    }
    offers.push({ name, params, duplicate });
  }
  return offers;
}
