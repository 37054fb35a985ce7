#!/usr/bin/env node
'use strict';
// Micro-benchmark (not a test): heap held by session recovery (issue #13, phase 1, memory
// stores) — per recorded message (a small room event in a stream's history) and per suspended
// idle session (no rooms, no metadata). Needs the build (npm run build). Run:
//   node --expose-gc bench/micro/recovery-memory.bench.js [--messages 100000] [--sessions 20000]
const { MemoryStreamStore } = require('../../dist/src/adapters/memory/memory-stream-store.adapter');
const { MemorySessionStore, RandomSessionTokenGenerator } = require('../../dist/src/adapters/memory/memory-session-store.adapter');
const { RecoveryService } = require('../../dist/src/domain/recovery/recovery.service');
const { resolveRecovery } = require('../../dist/src/domain/recovery/recovery-config');

if (typeof global.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(1);
}
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? dflt : Number(process.argv[i + 1]);
};
const MESSAGES = arg('messages', 100000);
const SESSIONS = arg('sessions', 20000);

const held = []; // every measured structure stays alive until the end

function heap() {
  for (let i = 0; i < 4; i++) global.gc();
  return process.memoryUsage().heapUsed;
}

function service(historySize) {
  const config = resolveRecovery({ historySize, windowMs: 3600000 });
  return new RecoveryService(config, new MemorySessionStore(), new MemoryStreamStore(config), new RandomSessionTokenGenerator(), '/', () => true);
}

// Per message: 100 rooms, MESSAGES events of {"text":"hello <n>"} (each message object is what a
// caller would have allocated anyway; the store keeps it, its entry and the position copy).
{
  const svc = service(MESSAGES);
  const before = heap();
  for (let i = 0; i < MESSAGES; i++) {
    svc.recordRoom(`room-${i % 100}`, { type: 0, event: 'chat', data: { text: `hello ${i}` } }, undefined, undefined, 0);
  }
  const after = heap();
  held.push(svc);
  console.log(`per recorded message: ${((after - before) / MESSAGES).toFixed(0)} B heap (${MESSAGES} small events in 100 rooms, message objects included)`);
}

// Per suspended idle session: open + suspend with no rooms and no metadata.
{
  const svc = service(10);
  const before = heap();
  for (let i = 0; i < SESSIONS; i++) svc.suspend(svc.open(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, 0), null, null, 0);
  const after = heap();
  console.log(`per suspended idle session: ${((after - before) / SESSIONS).toFixed(0)} B heap (${SESSIONS} sessions; id, token, two stream baselines, its empty direct stream)`);
  held.push(svc);
  if (svc.sessionCount !== SESSIONS) throw new Error('sessions lost');
}
