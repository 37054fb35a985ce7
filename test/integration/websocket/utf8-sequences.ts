/**
 * UTF-8 decoder stress sequences grouped like Autobahn's 6.x cases (after Markus Kuhn's test
 * file), as hex strings. Whether a sequence is valid is not stored here: tests ask an
 * independent oracle (WHATWG `TextDecoder` in fatal mode), so the table cannot be wrong in the
 * same way as the validator under test.
 */
export const UTF8_FAMILIES: ReadonlyArray<readonly [family: string, hex: readonly string[]]> = [
  ['6.2 valid text', ['48656c6c6f2dc2b540c39fc3b6c3a4c3bcc3a0c3a12d5554462d382121']],
  ['6.3 invalid in the middle', ['cebae1bdb9cf83cebcceb5eda080656469746564']],
  ['6.4 fail fast', ['cebae1bdb9cf83cebcceb5f4908080656469746564', 'cebae1bdb9cf83cebcceb5eda080656469746564']],
  ['6.5 Greek', ['cebae1bdb9cf83cebcceb5', 'ce', 'cebae1', 'cebae1bdb9cf83']],
  ['6.6 truncated Greek', ['cebae1bd', 'cebae1bdb9cf', 'cebae1bdb9cf83cebcce', 'cebae1bdb9cf83cebcceb5ed', 'cebae1bdb9cf83cebcceb5eda0']],
  ['6.7 first of each length', ['00', 'c280', 'e0a080', 'f0908080']],
  ['6.8 first 5/6-byte', ['f888808080', 'fc8480808080']],
  ['6.9 last of each length', ['7f', 'dfbf', 'efbfbf', 'f48fbfbf']],
  ['6.10 last 4/5/6-byte', ['f7bfbfbf', 'fbbfbfbfbf', 'fdbfbfbfbfbf']],
  ['6.11 other boundaries', ['ed9fbf', 'ee8080', 'efbfbd', 'f48fbfbf', 'f4908080']],
  ['6.12 unexpected continuations', ['80', 'bf', '80bf', '80bf80', '80bf80bf', '80bf80bf80', '80bf80bf80bf', '808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf']],
  ['6.13 lonely start bytes', ['c020c120c220df20', 'e020e120ef20', 'f020f120f720', 'f820f920fb20', 'fc20fd20']],
  ['6.14 last continuation missing', ['c0', 'e080', 'f08080', 'f8808080', 'fc80808080', 'df', 'efbf', 'f7bfbf', 'fbbfbfbf', 'fdbfbfbfbf']],
  ['6.15 concatenated incomplete', ['c0e080f08080f8808080fc80808080dfefbff7bfbffbbfbfbffdbfbfbfbf']],
  ['6.16 impossible bytes', ['fe', 'ff', 'fefeffff']],
  ['6.17 overlong slash', ['c0af', 'e080af', 'f08080af', 'f8808080af', 'fc80808080af']],
  ['6.18 maximum overlong', ['c1bf', 'e09fbf', 'f08fbfbf', 'f887bfbfbf', 'fc83bfbfbfbf']],
  ['6.19 overlong NUL', ['c080', 'e08080', 'f0808080', 'f880808080', 'fc8080808080']],
  ['6.20 single surrogates', ['eda080', 'edadbf', 'edae80', 'edafbf', 'edb080', 'edbe80', 'edbfbf']],
  ['6.21 paired surrogates', ['eda080edb080', 'eda080edbfbf', 'edadbfedb080', 'edadbfedbfbf', 'edae80edb080', 'edae80edbfbf', 'edafbfedb080', 'edafbfedbfbf']],
  ['6.22 noncharacters', ['efbfbe', 'efbfbf', 'f09fbfbe', 'f09fbfbf', 'f0afbfbe', 'f0afbfbf', 'f3bfbfbe', 'f3bfbfbf', 'f48fbfbe', 'f48fbfbf', 'efb790', 'efb7af']],
  ['6.23 replacement and specials', ['efbfbd', 'efbfb9', 'efbfba', 'efbfbb', 'efbfbc', 'efbfbdefbfbdefbfbd', 'f0908080c2a9e282ac']],
];

const oracle = new TextDecoder('utf-8', { fatal: true });

/** True when WHATWG's decoder accepts `bytes` as UTF-8. */
export function oracleValid(bytes: Uint8Array): boolean {
  try {
    oracle.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Every sequence, flattened, with its oracle verdict. */
export function utf8Cases(): Array<{ family: string; bytes: Buffer; valid: boolean }> {
  const out: Array<{ family: string; bytes: Buffer; valid: boolean }> = [];
  for (const [family, list] of UTF8_FAMILIES) {
    for (const hex of list) {
      const bytes = Buffer.from(hex, 'hex');
      out.push({ family, bytes, valid: oracleValid(bytes) });
    }
  }
  return out;
}
