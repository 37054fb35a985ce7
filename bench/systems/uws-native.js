'use strict';
// Loads uWebSockets.js's native addon from @trufflesuite/uws-js-unofficial directly.
// The package's own entry (src/uws.js) silently falls back to a JavaScript re-implementation
// when the binary for this platform/ABI cannot load; a benchmark of that shim would be
// meaningless, so we require binaries/uws_<platform>_<arch>_<abi>.node ourselves and fail
// loudly when it is absent or does not load.

const fs = require('node:fs');
const path = require('node:path');

/** @returns {object} the uWS native module (App, SSLApp, us_listen_socket_close, ...) */
function loadUws() {
  const pkgDir = path.dirname(require.resolve('@trufflesuite/uws-js-unofficial/package.json'));
  const file = path.join(
    pkgDir,
    'binaries',
    `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`,
  );
  if (!fs.existsSync(file)) {
    const have = fs.readdirSync(path.join(pkgDir, 'binaries')).join(', ');
    throw new Error(`uWebSockets.js native binary missing for this platform/ABI: ${file} (have: ${have})`);
  }
  const uws = require(file);
  if (typeof uws.App !== 'function' || typeof uws.us_socket_local_port !== 'function') {
    throw new Error(`${file} did not load as the uWebSockets.js native addon`);
  }
  return uws;
}

module.exports = { loadUws };
