'use strict';
// Runs `count` async tasks with at most `concurrency` in flight; rejects on the first failure.

/**
 * @param {number} count number of tasks
 * @param {number} concurrency maximum tasks in flight
 * @param {(i: number) => Promise<unknown>} task
 * @returns {Promise<unknown[]>} results by index
 */
function runPool(count, concurrency, task) {
  const results = new Array(count);
  let next = 0;
  let active = 0;
  let done = 0;
  return new Promise((resolve, reject) => {
    let failed = false;
    if (count === 0) return resolve(results);
    const launch = () => {
      while (!failed && active < concurrency && next < count) {
        const i = next++;
        active++;
        Promise.resolve()
          .then(() => task(i))
          .then(
            (v) => {
              results[i] = v;
              active--;
              done++;
              if (done === count) resolve(results);
              else launch();
            },
            (err) => {
              failed = true;
              reject(err);
            },
          );
      }
    };
    launch();
  });
}

/** Resolves after `ms` milliseconds (timer unref'd so it never holds the process open). */
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** Rejects with `label` if `promise` has not settled within `ms`. */
function withTimeout(promise, ms, label) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${label}`)), ms);
      t.unref();
    }),
  ]).finally(() => clearTimeout(t));
}

module.exports = { runPool, sleep, withTimeout };
