'use strict';
// End-to-end accounting of every soak message. A message is (id, kind, the sessions it must
// reach); the server's answer names the sessions it was sent to, receipts name the session that
// got it. Each message is settled `settleMs` after it was sent, when every answer has arrived or
// timed out:
//   - received once by each intended session        → delivered
//   - received twice or more by one session          → duplicate   (failure)
//   - received by a session it was not sent to       → misrouted   (failure)
//   - not received, and the session closed within    → excused     (in flight when the link
//     `excuseMs` of the send                                        dropped: churn)
//   - not received by a session that stayed up       → lost        (failure)
// Volatile broadcasts are counted apart (received vs. clients at send time); duplicates of them
// still fail. Requests answered late, wrongly or never (while connected) are failures too.

class Ledger {
  constructor({ settleMs, excuseMs }) {
    this.settleMs = settleMs;
    this.excuseMs = excuseMs;
    this.pending = []; // FIFO by send time
    this.byId = new Map();
    this.closedAt = new Map(); // session id → time it closed
    this.counts = {
      sent: 0,
      delivered: 0,
      excused: 0,
      lost: 0,
      duplicate: 0,
      misrouted: 0,
      corrupt: 0,
      unverified: 0,
      answered: 0,
      answerExcused: 0,
      answerLost: 0,
      late: 0,
      volatileSent: 0,
      volatileExpected: 0,
      volatileReceived: 0,
      joins: 0,
      joinsRefused: 0,
    };
    this.examples = [];
  }

  /** A message leaves; `expected` is known now (binary echo) or from the answer (room, dm). */
  sent(id, kind, session, expected = null) {
    const rec = { id, kind, session, at: Date.now(), expected, receipts: null, answer: 'pending' };
    this.byId.set(id, rec);
    this.pending.push(rec);
    if (kind === 'vol') this.counts.volatileSent++;
    else this.counts.sent++;
    return rec;
  }

  /** The server's answer: the sessions the message was sent to (or the volatile count). */
  answered(id, recipients) {
    const rec = this.byId.get(id);
    if (rec === undefined) return;
    rec.answer = 'ok';
    if (rec.kind === 'vol') rec.expectedCount = recipients;
    else if (recipients !== undefined) rec.expected = recipients;
  }

  /** The request failed: `disconnected` (its session closed) or anything else (a failure). */
  failed(id, disconnected, why) {
    const rec = this.byId.get(id);
    if (rec === undefined) return;
    rec.answer = disconnected ? 'disconnected' : 'failed';
    rec.why = why;
  }

  /** Session `session` received message `id`. */
  receipt(id, session) {
    const rec = this.byId.get(id);
    if (rec === undefined) {
      this.counts.late++;
      this.example('late receipt (after the message was settled)', id, session);
      return;
    }
    if (rec.receipts === null) rec.receipts = new Map();
    rec.receipts.set(session, (rec.receipts.get(session) ?? 0) + 1);
  }

  corrupt(id, session) {
    this.counts.corrupt++;
    this.example('corrupt payload', id, session);
  }

  join(ok, session) {
    this.counts.joins++;
    if (!ok && !this.closedAt.has(session)) {
      this.counts.joinsRefused++;
      this.example('join/leave refused on a live session', 'join', session);
    }
  }

  sessionClosed(session) {
    this.closedAt.set(session, Date.now());
  }

  example(what, id, session) {
    if (this.examples.length < 20) this.examples.push({ what, id, session, at: new Date().toISOString() });
  }

  /** Settles every message older than settleMs (all of them with `all`). */
  settle(all = false) {
    const horizon = Date.now() - this.settleMs;
    while (this.pending.length > 0 && (all || this.pending[0].at <= horizon)) {
      const rec = this.pending.shift();
      this.byId.delete(rec.id);
      this.settleOne(rec);
    }
    // Sessions closed long ago can no longer excuse anything.
    if (this.closedAt.size > 5000) {
      for (const [s, t] of this.closedAt) if (t < horizon - this.excuseMs) this.closedAt.delete(s);
    }
  }

  excusable(session, at) {
    const t = this.closedAt.get(session);
    return t !== undefined && t <= at + this.excuseMs;
  }

  settleOne(rec) {
    const c = this.counts;
    const receipts = rec.receipts ?? new Map();
    for (const [s, n] of receipts) {
      if (n > 1) {
        c.duplicate += n - 1;
        this.example(`received ${n} times`, rec.id, s);
      }
    }
    if (rec.kind === 'echo' || rec.kind === 'join') return this.settleAnswer(rec);
    if (rec.kind === 'vol') {
      this.settleAnswer(rec);
      c.volatileExpected += rec.expectedCount ?? 0;
      for (const n of receipts.values()) c.volatileReceived += Math.min(n, 1);
      return;
    }
    if (rec.kind !== 'bin') this.settleAnswer(rec);
    if (rec.expected === null) {
      // No answer (its sender dropped mid-request): who it was sent to is unknown.
      c.unverified++;
      return;
    }
    const expected = new Set(rec.expected);
    for (const s of expected) {
      const n = receipts.get(s) ?? 0;
      if (n >= 1) c.delivered++;
      else if (this.excusable(s, rec.at)) c.excused++;
      else {
        c.lost++;
        this.example(`${rec.kind} not received by a live session`, rec.id, s);
      }
    }
    for (const s of receipts.keys()) {
      if (!expected.has(s)) {
        c.misrouted++;
        this.example(`${rec.kind} received by a session it was not sent to`, rec.id, s);
      }
    }
  }

  settleAnswer(rec) {
    const c = this.counts;
    if (rec.answer === 'ok') c.answered++;
    else if (rec.answer === 'disconnected' || this.excusable(rec.session, rec.at)) c.answerExcused++;
    else {
      c.answerLost++;
      this.example(`request ${rec.kind} ${rec.answer === 'pending' ? 'never answered' : `failed: ${rec.why}`}`, rec.id, rec.session);
    }
  }

  /** Failures counted so far (volatile skips are not failures). */
  failures() {
    const c = this.counts;
    return c.lost + c.duplicate + c.misrouted + c.corrupt + c.answerLost + c.late + c.joinsRefused;
  }
}

module.exports = { Ledger };
