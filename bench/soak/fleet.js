'use strict';
// The soak's clients: StelarClients from the built package over WebSocket and TCP, plain and
// TLS, with automatic reconnection. Each one reports what it receives to the ledger under its
// current session id, and performs the traffic operations the driver picks for it.
const path = require('node:path');
const { isDeepStrictEqual } = require('node:util');

const { StelarClient } = require(path.resolve(__dirname, '../../dist/src/index.js'));

const BIN_HEADER = 8;

function pad(n) {
  return 'x'.repeat(n);
}

/** Binary payload: u32 client index, u32 sequence, then a pattern derived from both. */
function binaryPayload(index, seq, size) {
  const b = Buffer.allocUnsafe(BIN_HEADER + size);
  b.writeUInt32BE(index, 0);
  b.writeUInt32BE(seq, 4);
  for (let i = 0; i < size; i++) b[BIN_HEADER + i] = (index + seq + i) & 0xff;
  return b;
}

function binaryIntact(b) {
  if (b.length < BIN_HEADER) return false;
  const index = b.readUInt32BE(0);
  const seq = b.readUInt32BE(4);
  for (let i = BIN_HEADER; i < b.length; i++) if (b[i] !== ((index + seq + i - BIN_HEADER) & 0xff)) return false;
  return true;
}

class SoakClient {
  /**
   * @param {number} index
   * @param {{ mode: 'ws'|'tcp', tls: boolean, group: string }} kind
   * @param {number} port the port to dial (a slow reader's proxy, or the server)
   * @param {object} fleet { ledger, latencies, slowLatencies, roomNames, … }
   * @param {boolean} slow behind a throttling relay (its latencies are reported apart)
   */
  constructor(index, kind, port, fleet, slow = false) {
    this.index = index;
    this.slow = slow;
    this.kind = kind;
    this.fleet = fleet;
    this.seq = 0;
    this.sid = null;
    this.rooms = new Set();
    this.disconnectedAt = null;
    this.reconnects = 0;
    const target = kind.mode === 'ws' ? `${kind.tls ? 'wss' : 'ws'}://127.0.0.1:${port}/` : `127.0.0.1:${port}`;
    this.client = new StelarClient(target, {
      mode: kind.mode,
      tls: kind.tls,
      rejectUnauthorized: false,
      reconnection: true,
      reconnectionAttempts: 1000000,
      reconnectionDelay: 100,
      maxReconnectionDelay: 2000,
      ackTimeout: fleet.ackTimeoutMs,
      messageQueueSize: 1000,
      logger: false,
    });
    const c = this.client;
    const ledger = fleet.ledger;
    c.on('connect', () => {
      this.sid = c.getId();
      if (this.disconnectedAt !== null) {
        this.reconnects++;
        fleet.reconnectMs.add(Date.now() - this.disconnectedAt);
        this.disconnectedAt = null;
      }
    });
    c.on('disconnect', () => {
      if (this.sid !== null) ledger.sessionClosed(this.sid);
      this.sid = null;
      this.disconnectedAt = Date.now();
    });
    c.on('error', () => {
      fleet.errors++;
    });
    c.on('room:msg', (d) => ledger.receipt(d.m, this.sid));
    c.on('dm:msg', (d) => ledger.receipt(d.m, this.sid));
    c.on('vol:msg', (d) => ledger.receipt(d.m, this.sid));
    c.on('bin:echo', (b) => {
      if (!binaryIntact(b)) return ledger.corrupt('bin', this.sid);
      ledger.receipt(`${b.readUInt32BE(0)}.b${b.readUInt32BE(4)}`, this.sid);
    });
  }

  get connected() {
    return this.sid !== null && this.client.isConnected();
  }

  connect(timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client ${this.index} (${this.kind.group} ${this.kind.mode}) did not connect in ${timeoutMs} ms`)), timeoutMs);
      this.client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.connect();
    });
  }

  nextId() {
    return `${this.index}.${++this.seq}`;
  }

  request(kind, event, data, id, onAnswer) {
    const { ledger } = this.fleet;
    const latencies = this.slow ? this.fleet.slowLatencies : this.fleet.latencies;
    const t0 = performance.now();
    this.client.request(event, data).then(
      (answer) => {
        latencies.add(performance.now() - t0);
        onAnswer(answer);
      },
      (err) => ledger.failed(id, err && err.code === 'STELAR_ERR_DISCONNECTED', (err && (err.code || err.message)) || String(err)),
    );
  }

  room(size) {
    const rooms = [...this.rooms];
    if (rooms.length === 0) return this.joinOrLeave();
    const room = rooms[this.index % rooms.length];
    const id = this.nextId();
    this.fleet.ledger.sent(id, 'room', this.sid);
    this.request('room', 'room', { room, m: id, p: pad(size) }, id, (a) => this.fleet.ledger.answered(id, a.r));
  }

  dm(peer, size) {
    const id = this.nextId();
    this.fleet.ledger.sent(id, 'dm', this.sid);
    this.request('dm', 'dm', { to: peer.sid, m: id, p: pad(size) }, id, (a) => this.fleet.ledger.answered(id, a.r));
  }

  echo(size) {
    const id = this.nextId();
    const data = { m: id, p: pad(size), n: [1, 2.5, null, true, 'é'] };
    this.fleet.ledger.sent(id, 'echo', this.sid);
    this.request('echo', 'echo', data, id, (a) => {
      if (!isDeepStrictEqual(a, data)) this.fleet.ledger.corrupt(id, this.sid);
      this.fleet.ledger.answered(id);
    });
  }

  volatile() {
    const id = this.nextId();
    this.fleet.ledger.sent(id, 'vol', this.sid);
    this.request('vol', 'vol', { m: id }, id, (a) => this.fleet.ledger.answered(id, a.n));
  }

  binary(size) {
    const seq = ++this.seq;
    const id = `${this.index}.b${seq}`;
    this.fleet.ledger.sent(id, 'bin', this.sid, [this.sid]);
    this.client.emitBinary('bin', binaryPayload(this.index, seq, size));
  }

  joinOrLeave() {
    const { ledger, roomNames } = this.fleet;
    const sid = this.sid;
    if (this.rooms.size >= 2 || (this.rooms.size === 1 && Math.random() < 0.5)) {
      const room = [...this.rooms][Math.floor(Math.random() * this.rooms.size)];
      this.rooms.delete(room);
      this.client.leaveRoom(room).then((ok) => ledger.join(ok, sid));
    } else {
      const names = roomNames[this.kind.group];
      const room = names[Math.floor(Math.random() * names.length)];
      if (this.rooms.has(room)) return;
      this.rooms.add(room);
      this.client.joinRoom(room).then((ok) => ledger.join(ok, sid));
    }
  }

  /** Joins its first room and waits for the answer. */
  async firstRoom() {
    const names = this.fleet.roomNames[this.kind.group];
    const room = names[this.index % names.length];
    this.rooms.add(room);
    const ok = await this.client.joinRoom(room);
    if (!ok) throw new Error(`client ${this.index} could not join ${room}`);
  }

  disconnect() {
    this.client.disconnect();
  }
}

module.exports = { SoakClient };
