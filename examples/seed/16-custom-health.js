'use strict';
// README 3.2 "Custom Health Check". As printed the handler uses `await` in a non-async arrow (a
// syntax error), so it is declared `async` here; `checkDatabase` / `checkDiskSpace` are stubs.
//   node examples/seed/16-custom-health.js [port]    then: curl localhost:3000/health
const { StelarServer } = require('../../dist/src/index.js');
const { portFrom, runMain } = require('./_shared');

async function main(options = {}) {
  const state = { database: true, diskSpaceMB: 2048 };
  const checkDatabase = async () => state.database;
  const checkDiskSpace = () => state.diskSpaceMB;

  const stelar = new StelarServer({
    port: options.port ?? portFrom('PORT', 3000),
    logger: options.logger,
    customHealthHandler: async (req, res, stats) => {
      // stats contains all server statistics

      const dbConnected = await checkDatabase();
      const diskSpace = checkDiskSpace();

      res.writeHead(dbConnected && diskSpace > 100 ? 200 : 503, {
        'Content-Type': 'application/json',
      });
      res.end(JSON.stringify({
        status: dbConnected && diskSpace > 100 ? 'healthy' : 'degraded',
        server: stats,
        database: dbConnected ? 'connected' : 'disconnected',
        diskSpaceMB: diskSpace,
        version: '3.2.0',
      }));
    },
  });
  await stelar.start();
  return { stelar, port: stelar.getPort(), state, stop: () => stelar.stop() };
}

module.exports = { main };
runMain(module, main);
