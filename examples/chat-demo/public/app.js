// The chat page: uses the Stelar browser bundle served by the demo server.
// Rooms are joined through the server's 'enter' request (answer: { ok, members } or a refusal,
// shown as a toast and never added to the sidebar); each room keeps its own history, unread
// count and presence list; sending is possible only while connected and in a room.
import { StelarClient } from '/stelar-client.mjs';

const $ = (id) => document.getElementById(id);
const badge = $('state');
const client = new StelarClient(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`, {
  reconnection: true,
  reconnectionDelay: 300,
  maxReconnectionDelay: 3000,
  hooks: {
    onStateChange: ({ to }) => {
      badge.textContent = to;
      badge.dataset.state = to;
      updateComposer();
    },
  },
});

const MAX_HISTORY = 200; // messages kept per room
/** @type {Map<string, { items: object[], unread: number, members: { id: string, nick: string }[] }>} */
const rooms = new Map();
let current = null;
let myId = null;
let myNick = null;
let pendingFile = null;
let everConnected = false;

// ------------------------------------------------------------------ helpers

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

function toast(text, kind = 'error') {
  const t = el('div', `toast ${kind}`, text);
  $('toasts').appendChild(t);
  while ($('toasts').children.length > 3) $('toasts').firstChild.remove();
  setTimeout(() => t.remove(), 4500);
}

function roomOf(name) {
  let r = rooms.get(name);
  if (!r) {
    r = { items: [], unread: 0, members: [], seq: 0, epoch: null };
    rooms.set(name, r);
  }
  return r;
}

function push(roomName, item) {
  const r = rooms.get(roomName);
  if (!r) return null;
  r.items.push(item);
  if (r.items.length > MAX_HISTORY) r.items.shift();
  if (roomName === current) {
    const node = render(item);
    $('messages').appendChild(node);
    if ($('messages').children.length > MAX_HISTORY) $('messages').firstChild.remove();
    $('drop').scrollTop = $('drop').scrollHeight;
    return node;
  }
  if (item.kind !== 'system') {
    r.unread++;
    renderRooms();
  }
  return null;
}

function render(item) {
  if (item.kind === 'system') return el('li', 'system', item.text);
  const li = el('li', `msg ${item.own ? 'own' : 'other'}`);
  const meta = el('div', 'meta');
  meta.append(el('span', 'from', item.own ? 'You' : item.from));
  const time = el('time', 'at', timeFormat.format(item.at));
  time.dateTime = new Date(item.at).toISOString();
  meta.append(time);
  const bubble = el('div', 'bubble');
  if (item.kind === 'file') {
    bubble.textContent = `${item.own ? 'You' : item.from} shared ${item.name} (${item.size} bytes) `;
    if (item.type.startsWith('image/')) {
      const img = el('img');
      img.src = item.url;
      img.alt = item.name;
      bubble.append(img);
    } else {
      const a = el('a', '', 'download');
      a.href = item.url;
      a.download = item.name;
      bubble.append(a);
    }
  } else {
    bubble.textContent = item.text;
  }
  li.append(meta, bubble);
  // A visually hidden "alice: hello" line keeps the transcript readable to screen readers.
  li.setAttribute('aria-label', `${item.from}: ${item.kind === 'file' ? item.name : item.text}`);
  return li;
}

function renderRooms() {
  $('rooms').replaceChildren(
    ...[...rooms.keys()].map((name) => {
      const li = el('li', name === current ? 'active' : '');
      li.dataset.room = name;
      li.append(el('span', 'name', `#${name}`));
      const unread = rooms.get(name).unread;
      if (unread > 0 && name !== current) li.append(el('span', 'unread', String(unread)));
      li.onclick = () => select(name);
      return li;
    }),
  );
  $('no-rooms').hidden = rooms.size > 0;
  // On phones the rooms are a sideways-scrolling row: keep the active one in view.
  $('rooms').querySelector('li.active')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
}

function renderPresence() {
  const members = current ? rooms.get(current).members : [];
  $('presence').replaceChildren(
    ...members.map((m) => {
      const li = el('li', m.id === myId ? 'self' : '', m.id === myId ? `${m.nick} (you)` : m.nick);
      li.dataset.id = m.id;
      return li;
    }),
  );
  $('presence-count').textContent = current ? `(${members.length})` : '';
}

function select(name, announce = true) {
  current = name;
  const r = rooms.get(name);
  r.unread = 0;
  $('room-title').textContent = `#${name}`;
  $('messages').replaceChildren(...r.items.map(render));
  $('drop').scrollTop = $('drop').scrollHeight;
  $('typing').textContent = '';
  renderRooms();
  renderPresence();
  updateComposer();
  if (announce) client.request('enter', { room: name }, 'enter').then(onEntered, () => {}); // files go here
}

function updateComposer() {
  const ready = current !== null && client.getState() === 'connected';
  $('send').disabled = !ready;
  $('text').disabled = !ready;
  $('text').placeholder = current === null ? 'Join a room to start chatting' : ready ? `Message #${current}` : 'Reconnecting…';
}

function onEntered(answer) {
  if (!answer || !answer.ok || !rooms.has(answer.room)) return;
  rooms.get(answer.room).members = answer.members;
  if (answer.room === current) renderPresence();
}

async function enter(name) {
  let answer;
  try {
    answer = await client.request('enter', { room: name }, 'enter');
  } catch (err) {
    toast(`Could not join #${name}: ${err && err.message ? err.message : err}`);
    return false;
  }
  if (!answer.ok) {
    toast(`#${name} was refused: ${answer.reason}`);
    return false;
  }
  const fresh = !rooms.has(name);
  const r = roomOf(name);
  r.members = answer.members;
  if (fresh) {
    r.seq = answer.seq; // the room's chat messages so far (see missedSince)
    r.epoch = answer.epoch;
  }
  if (fresh) push(name, { kind: 'system', text: `You joined #${name}` });
  select(name, false);
  return true;
}

// ------------------------------------------------------------------ server events

client.on('connect', (info) => {
  myId = client.getId();
  if (everConnected && info.recovered) {
    // Session recovery: same id, rooms and nickname; what was sent meanwhile has been replayed.
    toast('reconnected — nothing missed', 'info');
  } else if (everConnected) {
    // A new session: the server forgot the nickname; rooms are rejoined, refresh presence, and
    // say how many chat messages may have been missed (see missedSince).
    if (myNick) client.emit('nick', { nick: myNick });
    const answers = [...rooms.keys()].map((name) => client.request('enter', { room: name }, 'enter').then((a) => (onEntered(a), a), () => null));
    if (current) client.request('enter', { room: current }, 'enter').then(onEntered, () => {});
    Promise.all(answers).then((list) => {
      const n = missedSince(list);
      toast(n === null ? 'reconnected — an unknown number of messages may be missing' : `reconnected — ${n} message${n === 1 ? '' : 's'} may be missing`, 'warn');
    });
  }
  everConnected = true;
  updateComposer();
});

/**
 * What a page can know of the chat messages it missed without recovery: the gap between the
 * last `seq` it saw in each room and the room's `seq` now (the server numbers chat messages per
 * room). Null (unknown) when a room's `epoch` changed (another server, or the room started over)
 * or an answer is missing. Rooms are re-entered first, so the counters are fresh.
 */
function missedSince(answers) {
  let n = 0;
  for (const a of answers) {
    const r = a && a.ok ? rooms.get(a.room) : null;
    if (!r) {
      n = null;
      continue;
    }
    if (n !== null) n = r.epoch === a.epoch && a.seq >= r.seq ? n + a.seq - r.seq : null;
    r.seq = a.seq; // counted from here on
    r.epoch = a.epoch;
  }
  return n;
}
client.on('disconnect', () => updateComposer());
client.on('nick', ({ nick }) => {
  myNick = nick;
  $('me').textContent = nick;
});
client.on('chat', (m) => {
  const r = rooms.get(m.room);
  if (r && r.epoch === m.epoch) r.seq = Math.max(r.seq, m.seq);
  push(m.room, { kind: 'chat', own: m.id === myId, from: m.from, text: m.text, at: m.at });
});
client.on('presence', (p) => {
  const r = rooms.get(p.room);
  if (!r) return;
  if (p.members) r.members = p.members;
  if (p.nick !== undefined && p.joined !== undefined) push(p.room, { kind: 'system', text: `${p.nick} ${p.joined ? 'joined' : 'left'}` });
  if (p.room === current) renderPresence();
});
let typingTimer = null;
client.on('typing', (t) => {
  if (t.room !== current) return;
  $('typing').textContent = `${t.nick} is typing…`;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => ($('typing').textContent = ''), 1500);
});
client.on('rate-limited', ({ event }) => {
  toast(event === 'chat' ? 'Slow down: that message was not sent (rate limit).' : `Rate limit reached${event ? ` for "${event}"` : ''}.`, 'warn');
});
client.on('file-info', (info) => {
  pendingFile = info;
});
client.on('file', (buffer) => {
  const info = pendingFile || { room: current, name: 'file', type: 'application/octet-stream', from: '?' };
  pendingFile = null;
  const blob = new Blob([buffer], { type: info.type });
  push(info.room, { kind: 'file', own: info.from === myNick, from: info.from, name: info.name, type: info.type, size: blob.size, url: URL.createObjectURL(blob), at: Date.now() });
});
client.on('error', (err) => toast(`Error: ${err && err.message ? err.message : err}`));

// ------------------------------------------------------------------ forms

$('nick-form').onsubmit = (e) => {
  e.preventDefault();
  const nick = $('nick').value.trim();
  if (nick) client.emit('nick', { nick });
};
$('room-form').onsubmit = async (e) => {
  e.preventDefault();
  const name = $('room').value.trim().replace(/^#/, '');
  if (!name) return;
  if (await enter(name)) $('room').value = '';
};
$('chat-form').onsubmit = (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!text.trim() || $('send').disabled) return;
  client.emit('chat', { room: current, text });
  $('text').value = '';
};
let lastTyping = 0;
$('text').oninput = () => {
  const now = Date.now();
  if (current && now - lastTyping > 1000) {
    lastTyping = now; // at most one 'typing' a second (the server limits it to 10/s)
    client.emit('typing', { room: current });
  }
};

const drop = $('drop');
drop.ondragover = (e) => {
  e.preventDefault();
  drop.classList.add('over');
};
drop.ondragleave = () => drop.classList.remove('over');
drop.ondrop = (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = e.dataTransfer.files[0];
  if (!file) return;
  if (!current) {
    toast('Join a room before sharing a file.');
    return;
  }
  if (file.type.startsWith('image/')) client.sendImage(file);
  else client.sendFile(file);
};

renderRooms();
updateComposer();
client.connect();
window.stelarChat = { client };
