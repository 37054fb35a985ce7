'use strict';
// Engine self-test: every input leaves 64 KiB behind; the heap check must call it a finding.
const kept = [];
module.exports = {
  maxLen: 16,
  heapBudgetMB: 16,
  fuzz() {
    kept.push(new Array(8192).fill(kept.length));
  },
};
