#!/usr/bin/env node
'use strict';
// The demo main job: a chat server on the default in-memory wiring.
//   npm start            → http://localhost:3000/ (PORT=… to change, TCP clients on 3001)
//                          dashboard on http://localhost:3000/stelar (credentials printed at start;
//                          STELAR_DASHBOARD_PASSWORD=… to choose the password), metrics on /metrics
// Serves the chat page and the browser bundle, and runs StelarServer on the same HTTP server.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { StelarServer } = require('../../dist/src/index.js');

const PORT = Number(process.env.PORT ?? 3000);
const TCP_PORT = process.env.TCP_PORT === undefined ? PORT + 1 : Number(process.env.TCP_PORT);
const PUBLIC = path.join(__dirname, 'public');
const BUNDLE = path.join(__dirname, '../../dist/browser/stelar-client.mjs');
const FILES = {
  '/': [path.join(PUBLIC, 'index.html'), 'text/html; charset=utf-8'],
  '/app.js': [path.join(PUBLIC, 'app.js'), 'text/javascript; charset=utf-8'],
  '/style.css': [path.join(PUBLIC, 'style.css'), 'text/css; charset=utf-8'],
  '/stelar-client.mjs': [BUNDLE, 'text/javascript; charset=utf-8'],
};

/** The dashboard's credentials: admin and STELAR_DASHBOARD_PASSWORD, or a fresh random password. */
function dashboardCredentials() {
  return { username: 'admin', password: process.env.STELAR_DASHBOARD_PASSWORD || crypto.randomBytes(9).toString('base64url') };
}

/**
 * `recovery` (docs/API.md, "Session recovery"): on by default, so a page whose connection drops
 * for a moment comes back with the same id, rooms and nickname and every message it missed.
 */
function createChatServer({ port = PORT, tcpPort = TCP_PORT, logger = 'info', dashboard = dashboardCredentials(), recovery = true } = {}) {
  const httpServer = http.createServer((req, res) => {
    const entry = FILES[(req.url || '/').split('?')[0]];
    if (!entry) return; // not ours: a 404 below (Stelar answers /stelar/health before this listener)
    fs.readFile(entry[0], (err, body) => {
      if (err) {
        res.writeHead(500).end('missing file; run npm run build');
        return;
      }
      res.writeHead(200, { 'Content-Type': entry[1], 'Cache-Control': 'no-store' });
      res.end(body);
    });
  });
  // Anything the static routes do not serve gets a prompt 404.
  httpServer.on('request', (req, res) => {
    setImmediate(() => {
      if (!res.headersSent && !res.writableEnded && !FILES[(req.url || '/').split('?')[0]]) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      }
    });
  });

  const stelar = new StelarServer({
    server: httpServer,
    port,
    tcpPort,
    logger,
    // Operations (docs/OPERATIONS.md): the live dashboard behind Basic auth, Prometheus metrics.
    dashboard: { path: '/stelar', auth: dashboard },
    metrics: { path: '/metrics', auth: dashboard },
    maxPayloadSize: 8 * 1024 * 1024,
    recovery,
    eventRateLimits: { typing: { maxPoints: 10, windowMs: 1000 }, chat: { maxPoints: 5, windowMs: 5000 } },
    hooks: {
      onClientJoinRoom: ({ room }) => /^[\w-]{1,32}$/.test(room) || false,
      // Over a rate limit: drop that message, keep the client, and tell it (the page shows a toast).
      onRateLimitExceeded: ({ clientId, event }) => {
        stelar.toId(clientId, 'rate-limited', { event: event ?? null });
        return false;
      },
    },
  });

  // Nicknames by client id (deleted on disconnect, kept in the session's metadata so a resumed
  // session gets its nickname back): presence lists show them.
  const nicks = new Map();
  // Chat messages are numbered per room (`seq`), with the room's `epoch` (new for each server
  // and each time a room starts over empty): a page that comes back without recovery compares
  // its last `seq` with the room's to say how many it may have missed; another epoch means the
  // count is unknown.
  const serverEpoch = crypto.randomBytes(6).toString('base64url');
  let epochs = 0;
  const seqs = new Map(); // room → { seq, epoch }, for rooms in use
  const counter = (room) => {
    let c = seqs.get(room);
    if (!c) seqs.set(room, (c = { seq: 0, epoch: `${serverEpoch}.${++epochs}` }));
    return c;
  };
  const nick = (ctx) => nicks.get(ctx.id) || `guest-${ctx.id.slice(0, 4)}`;
  const members = (room, without) =>
    stelar
      .getRoomMembers(room)
      .filter((id) => id !== without)
      .map((id) => ({ id, nick: nicks.get(id) || `guest-${id.slice(0, 4)}` }))
      .sort((a, b) => a.nick.localeCompare(b.nick));

  stelar.onConnection((client) => {
    client.emit('welcome', { id: client.id, rooms: stelar.getRooms() });
  });

  // A resumed session (recovery): no welcome again, its rooms are already restored by the
  // server; it gets its nickname back and the rooms hear it is here again.
  stelar.onResume((client) => {
    const saved = client.getMetadata('nick');
    if (saved) nicks.set(client.id, saved);
    client.emit('nick', { nick: nick(client) });
    for (const room of client.clientInfo.rooms) {
      stelar.to(room, 'presence', { room, nick: nick(client), joined: true, members: members(room) }, client.id);
    }
  });

  stelar.onDisconnect((client) => {
    for (const room of client.clientInfo.rooms) {
      const left = members(room, client.id);
      stelar.to(room, 'presence', { room, nick: nick(client), joined: false, members: left }, client.id);
      if (left.length === 0) seqs.delete(room); // one number per room in use, not per name ever used
    }
    nicks.delete(client.id);
  });

  stelar.on('nick', (ctx) => {
    const name = String(ctx.data?.nick ?? '').trim().slice(0, 24);
    if (name) {
      nicks.set(ctx.id, name);
      ctx.setMetadata('nick', name);
    }
    ctx.emit('nick', { nick: nick(ctx) });
    for (const room of ctx.clientInfo.rooms) stelar.to(room, 'presence', { room, members: members(room) });
  });

  // Join (or re-enter) a room: answers { ok, room, members } or { ok: false, room, reason }.
  stelar.onAck('enter', (ctx) => {
    const room = String(ctx.data?.room ?? '');
    const fresh = !ctx.clientInfo.rooms.has(room);
    ctx.joinRoom(room);
    if (!ctx.clientInfo.rooms.has(room)) {
      return { ok: false, room, reason: 'room names are 1 to 32 letters, digits, "-" or "_"' };
    }
    ctx.setMetadata('room', room); // files go to the current room
    if (fresh) ctx.to(room, 'presence', { room, nick: nick(ctx), joined: true, members: members(room) }, ctx.id);
    const { seq, epoch } = counter(room);
    return { ok: true, room, members: members(room), seq, epoch };
  });

  stelar.on('chat', (ctx) => {
    const room = String(ctx.data?.room ?? '');
    const text = String(ctx.data?.text ?? '').slice(0, 2000);
    if (!text || !ctx.clientInfo.rooms.has(room)) return;
    const c = counter(room);
    c.seq++;
    stelar.to(room, 'chat', { room, id: ctx.id, from: nick(ctx), text, at: Date.now(), seq: c.seq, epoch: c.epoch });
  });

  stelar.on('typing', (ctx) => {
    const room = String(ctx.data?.room ?? '');
    if (ctx.clientInfo.rooms.has(room)) ctx.to(room, 'typing', { room, nick: nick(ctx) }, ctx.id);
  });

  // A file or image dropped on the page arrives as binary with { name, type, size } metadata
  // (client.sendFile → event 'file', client.sendImage → event 'image').
  const share = (ctx) => {
    const room = ctx.getMetadata('room');
    if (!room || !ctx.clientInfo.rooms.has(room)) return;
    const info = { room, from: nick(ctx), name: ctx.meta?.name ?? 'file', type: ctx.meta?.type ?? 'application/octet-stream', size: ctx.buffer.byteLength };
    stelar.to(room, 'file-info', info);
    stelar.to(room, 'file', ctx.buffer);
  };
  stelar.on('file', share);
  stelar.on('image', share);

  stelar.onAck('who', (ctx) => ({ room: ctx.data?.room, members: members(String(ctx.data?.room ?? '')) }));

  return { httpServer, stelar, dashboard };
}

module.exports = { createChatServer };

if (require.main === module) {
  const { stelar, dashboard } = createChatServer();
  stelar.start().then((port) => {
    console.log(`Stelar chat demo on http://localhost:${port}/  (TCP clients: port ${stelar.getTcpPort()})`);
    console.log(`Dashboard on http://localhost:${port}/stelar  user: ${dashboard.username}  password: ${dashboard.password}`);
    console.log(`Prometheus metrics on http://localhost:${port}/metrics (same credentials)`);
  });
}
