'use strict';
// README 3.2 "Custom Reconnect Delay": option 1 (customReconnectDelay) and option 2 (the
// onReconnectDelay hook). Both clients record the delays they computed.
//   node examples/seed/19-reconnect-delay.js [host:port]   (TARGET env; default localhost:3000)
const { StelarClient } = require('../../dist/src/index.js');
const { targetFrom, runMain } = require('./_shared');

function createClients(target, extra = {}) {
  const delays = { custom: [], hook: [] };

  // Option 1: Custom function
  const customClient = new StelarClient(target, {
    ...extra,
    customReconnectDelay: (attempt, baseDelay, maxDelay) => {
      // Fast retry for first 3 attempts, then slow
      let delay;
      if (attempt <= 3) delay = 200;
      else if (attempt <= 10) delay = 2000;
      else delay = 30000; // 30s for later attempts
      delays.custom.push({ attempt, baseDelay, maxDelay, delay });
      return delay;
    },
  });

  // Option 2: Via hook (can change at runtime)
  const hookClient = new StelarClient(target, {
    ...extra,
    hooks: {
      onReconnectDelay: ({ attempt, defaultDelay }) => {
        const delay = Math.min(100 * attempt, 10000); // Linear instead of exponential
        delays.hook.push({ attempt, defaultDelay, delay });
        return delay;
      },
    },
  });
  return { customClient, hookClient, delays };
}

async function main(options = {}) {
  const { customClient, hookClient, delays } = createClients(options.target ?? targetFrom('TARGET', 'localhost:3000'), options.clientOptions);
  customClient.connect();
  hookClient.connect();
  return {
    customClient,
    hookClient,
    delays,
    stop() {
      customClient.disconnect();
      hookClient.disconnect();
    },
  };
}

module.exports = { main, createClients };
runMain(module, main);
