// The chat page: uses the Stelar browser bundle served by the demo server.
import { StelarClient } from '/stelar-client.mjs';

const $ = (id) => document.getElementById(id);
const state = $('state');
const client = new StelarClient(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`, {
  reconnection: true,
  reconnectionDelay: 300,
  maxReconnectionDelay: 3000,
  hooks: {
    onStateChange: ({ to }) => {
      state.textContent = to;
      state.dataset.state = to;
    },
  },
});

let current = null;
const rooms = new Set();
let pendingFile = null;

function line(text, cls) {
  const li = document.createElement('li');
  li.textContent = text;
  if (cls) li.className = cls;
  $('messages').appendChild(li);
  $('drop').scrollTop = $('drop').scrollHeight;
  return li;
}

function renderRooms() {
  $('rooms').replaceChildren(
    ...[...rooms].map((r) => {
      const li = document.createElement('li');
      li.textContent = `#${r}`;
      li.className = r === current ? 'active' : '';
      li.onclick = () => { current = r; renderRooms(); };
      return li;
    }),
  );
}

client.on('welcome', ({ id }) => line(`connected as ${id.slice(0, 8)}`, 'system'));
client.on('nick', ({ nick }) => line(`you are now ${nick}`, 'system'));
client.on('chat', (m) => line(`[#${m.room}] ${m.from}: ${m.text}`, 'chat'));
client.on('presence', (p) => line(`${p.nick} ${p.joined ? 'joined' : 'left'} #${p.room}`, 'system'));
client.on('typing', (t) => {
  $('typing').textContent = `${t.nick} is typing in #${t.room}…`;
  clearTimeout(client._typingTimer);
  client._typingTimer = setTimeout(() => ($('typing').textContent = ''), 1500);
});
client.on('file-info', (info) => { pendingFile = info; });
client.on('file', (buffer) => {
  const info = pendingFile || { name: 'file', type: 'application/octet-stream', from: '?' };
  pendingFile = null;
  const blob = new Blob([buffer], { type: info.type });
  const li = line(`[#${info.room}] ${info.from} shared ${info.name} (${blob.size} bytes) `, 'file');
  const url = URL.createObjectURL(blob);
  if (info.type.startsWith('image/')) {
    const img = document.createElement('img');
    img.src = url;
    li.appendChild(img);
  } else {
    const a = document.createElement('a');
    a.href = url; a.download = info.name; a.textContent = 'download';
    li.appendChild(a);
  }
});
client.on('error', (err) => line(`error: ${err && err.message ? err.message : err}`, 'error'));

$('nick-form').onsubmit = (e) => { e.preventDefault(); client.emit('nick', { nick: $('nick').value }); };
$('room-form').onsubmit = (e) => {
  e.preventDefault();
  const room = $('room').value.trim();
  if (!room) return;
  client.emit('enter', { room });
  rooms.add(room); current = room; renderRooms();
  $('room').value = '';
};
$('chat-form').onsubmit = (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!text || !current) return;
  client.emit('chat', { room: current, text });
  $('text').value = '';
};
$('text').oninput = () => { if (current) client.emit('typing', { room: current }); };

const drop = $('drop');
drop.ondragover = (e) => { e.preventDefault(); drop.classList.add('over'); };
drop.ondragleave = () => drop.classList.remove('over');
drop.ondrop = (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const file = e.dataTransfer.files[0];
  if (!file) return;
  if (file.type.startsWith('image/')) client.sendImage(file); else client.sendFile(file);
};

client.connect();
window.stelarChat = { client };
