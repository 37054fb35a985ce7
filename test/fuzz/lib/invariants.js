'use strict';
// What every fuzz target asserts: only documented protocol errors escape a parser or decoder,
// and a decoded message survives encode → decode unchanged.
const path = require('node:path');
const { isDeepStrictEqual } = require('node:util');

const root = path.resolve(__dirname, '../../..');
/** A module of the built package (dist/src), instrumented when the fuzz engine loaded it. */
function dist(rel) {
  return require(path.join(root, 'dist', 'src', rel));
}

const { StelarError, StelarErrorCode, CloseCode } = dist('domain/errors.js');
const CODES = new Set(Object.values(StelarErrorCode));
const CLOSE_CODES = new Set(Object.values(CloseCode));

/** A finding: the target broke an invariant (the engine saves the input). */
class InvariantError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InvariantError';
  }
}

function check(cond, message) {
  if (!cond) throw new InvariantError(typeof message === 'function' ? message() : message);
}

/**
 * Rethrows `err` unless it is a documented protocol error: a StelarError with a code of
 * StelarErrorCode and a close code of CloseCode (`allowed`, if given, narrows the codes).
 */
function expectProtocolError(err, allowed) {
  if (!(err instanceof StelarError)) throw err;
  check(CODES.has(err.code), () => `undocumented error code ${err.code}`);
  check(CLOSE_CODES.has(err.closeCode), () => `undocumented close code ${err.closeCode} (${err.code})`);
  if (allowed) check(allowed.has(err.code), () => `unexpected error code ${err.code} here: ${err.message}`);
  return err;
}

/** JSON's own lossiness (-0, 1e999 → Infinity → null) is not the codec's: compare JSON images. */
function jsonImage(v) {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/** A plain-object view of a message for comparison: undefined fields dropped, bytes as arrays. */
function comparable(m) {
  const out = Object.create(null);
  for (const k of Object.keys(m)) {
    const v = m[k];
    if (v === undefined) continue;
    if (v instanceof Uint8Array) out[k] = Array.from(v);
    else if (k === 'data' || k === 'value') out[k] = jsonImage(v);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) out[k] = comparable(v);
    // JSON writes -0 as 0 (ids, codes): the same number to every reader.
    else if (v === 0) out[k] = 0;
    else out[k] = v;
  }
  return out;
}

function sameMessage(a, b) {
  return isDeepStrictEqual(comparable(a), comparable(b));
}

function show(m) {
  return JSON.stringify(comparable(m)).slice(0, 400);
}

module.exports = { dist, check, expectProtocolError, sameMessage, show, InvariantError, StelarErrorCode, CloseCode };
