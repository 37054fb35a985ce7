'use strict';
// The cluster figure with session recovery on (issue #13): the `cluster` scenario's *spread*
// phase (S subscribers spread over N nodes in one room, a publisher on node 0) run with
// `recovery` off and on, interleaved in the same round (off, on, off, on, …) so machine load
// hits both alike. With recovery on, each room message is one Lua script on Redis (offset,
// XADD MAXLEN ~, PUBLISH) instead of one PUBLISH, and every node, the publisher's too, delivers
// it from the channel. The load clients do not offer sessions (their deliveries carry no
// position), so this measures the routing and Redis cost, not the positioned encoding.
// Run: `npm run build && node bench/micro/cluster-recovery.bench.js [rounds] [nodes] [subscribers] [messages]`.

const os = require('node:os');
const { startNodes, fanout } = require('../scenarios/cluster');
const { getSystem } = require('../systems');
const { startPrivateRedis } = require('../../scripts/redis-test-server.js');

const REDIS_PORT = 7151;

async function main() {
  const [rounds = 3, n = 2, subscribers = 400, messages = 500] = process.argv.slice(2).map(Number);
  const p = { subscribers, messages, warmup: 50, bytes: 64, window: 32, stallMs: 15000 };
  const system = getSystem('stelar');
  const redis = await startPrivateRedis({ port: REDIS_PORT });
  const rows = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (const recovery of [false, true]) {
        const prefix = `bench-crec-${process.pid}-${r}-${recovery ? 1 : 0}`;
        const nodes = await startNodes(system, n, redis.url, prefix, recovery ? { recovery: true } : {});
        try {
          const per = Math.floor(subscribers / n);
          const subs = Array.from({ length: n }, (_, i) => (i === 0 ? subscribers - per * (n - 1) : per));
          const s = await fanout(system, nodes, subs, new Array(n).fill(0), 'spread', p, redis.pid);
          const row = {
            round: r,
            recovery,
            cpuUsPerDelivery: s.cpu.reduce((a, b) => a + b, 0) / s.deliveries,
            redisCpuUsPerMessage: s.redisCpu / s.messages,
            deliveriesPerSec: s.deliveries / (s.wallMs / 1000),
            load: os.loadavg()[0],
          };
          rows.push(row);
          console.log(
            `round ${r + 1} recovery ${recovery ? 'on ' : 'off'}: ${row.cpuUsPerDelivery.toFixed(3)} µs/delivery (all nodes), ` +
              `redis ${row.redisCpuUsPerMessage.toFixed(1)} µs/message, ${row.deliveriesPerSec.toFixed(0)} deliveries/s, load ${row.load.toFixed(1)}`,
          );
        } finally {
          await Promise.all(nodes.map((x) => x.stop()));
        }
      }
    }
  } finally {
    await redis.stop();
  }
  for (let r = 0; r < rounds; r++) {
    const off = rows.find((x) => x.round === r && !x.recovery);
    const on = rows.find((x) => x.round === r && x.recovery);
    console.log(
      `round ${r + 1}: on/off node CPU ${(on.cpuUsPerDelivery / off.cpuUsPerDelivery).toFixed(2)}, ` +
        `Redis CPU ${(on.redisCpuUsPerMessage / off.redisCpuUsPerMessage).toFixed(2)}, throughput ${(on.deliveriesPerSec / off.deliveriesPerSec).toFixed(2)}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
