'use strict';
// README 3.2 "Client Hooks". `metrics`, `showReconnectingUI` / `hideReconnectingUI` and
// `errorReporter` are tiny recorders standing in for the app's own; `now` (adaptation) lets a
// caller pin the clock the business-hours rule reads.
//   node examples/seed/18-client-hooks.js [host:port]   (TARGET env; default localhost:3000)
const { StelarClient } = require('../../dist/src/index.js');
const { targetFrom, runMain } = require('./_shared');

function createClient(target, options = {}) {
  const log = options.log ?? console.log;
  const now = options.now ?? (() => new Date());
  const record = { counters: {}, ui: [], errors: [], states: [], delays: [], queued: [], drained: [] };
  const metrics = { increment: (name) => (record.counters[name] = (record.counters[name] ?? 0) + 1) };
  const showReconnectingUI = () => record.ui.push('show');
  const hideReconnectingUI = () => record.ui.push('hide');
  const errorReporter = { report: (error, extra) => record.errors.push({ error, ...extra }) };

  const client = new StelarClient(target, {
    ...options.clientOptions,
    hooks: {
      // Before sending a message — return false to cancel
      onBeforeEmit: ({ event, data }) => {
        if (event === 'debug') return false; // Don't send debug in production
        log(`Sending: ${event}`);
      },

      // When any message is received
      onMessage: ({ event, data, isBinary }) => {
        metrics.increment('messages.received');
        if (isBinary) metrics.increment('binary.received');
      },

      // When connection state changes
      onStateChange: ({ from, to }) => {
        record.states.push(`${from}->${to}`);
        log(`State: ${from} -> ${to}`);
        if (to === 'reconnecting') showReconnectingUI();
        if (to === 'connected') hideReconnectingUI();
      },

      // Customize reconnection delay
      onReconnectDelay: ({ attempt, defaultDelay }) => {
        // Business hours: fast reconnection
        const hour = now().getHours();
        const delay = hour >= 9 && hour <= 18 ? 500 : defaultDelay;
        record.delays.push({ attempt, defaultDelay, delay });
        return delay; // Off-hours: normal delay
      },

      // When a message is queued (disconnected)
      onMessageQueued: ({ event, queueSize }) => {
        record.queued.push({ event, queueSize });
        log(`Message queued: ${event} (queue: ${queueSize})`);
      },

      // When queue is drained after reconnecting
      onQueueDrained: ({ count }) => {
        record.drained.push(count);
        log(`${count} messages sent after reconnecting`);
      },

      // When an error occurs
      onError: ({ error, context }) => {
        errorReporter.report(error, { context });
      },
    },
  });
  return { client, record };
}

async function main(options = {}) {
  const { client, record } = createClient(options.target ?? targetFrom('TARGET', 'localhost:3000'), options);
  client.emit('hello', { queued: true }); // queued: not connected yet
  client.emit('debug', { dropped: true }); // cancelled by onBeforeEmit
  await new Promise((resolve) => client.connect(resolve));
  return { client, record, finished: true, stop: () => client.disconnect() };
}

module.exports = { main, createClient };
runMain(module, main);
