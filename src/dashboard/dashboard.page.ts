/**
 * The dashboard page (browser code). Bundled at build time by scripts/build.js with esbuild,
 * uPlot and the browser StelarClient included, into dist/dashboard/dashboard.js; the server
 * serves it behind the dashboard's auth. It connects to the dashboard's own namespace with the
 * page token the server put in a <meta>, draws a tick every second, and sends the actions.
 */
import uPlot from 'uplot';
import { StelarClient } from '../browser';
// Types only (erased by the bundler): the page reads what the server's snapshot sends.
import type { DashboardClientRow, DashboardTick } from '../application/server/operations/dashboard-snapshot';

/** A tick as the server broadcasts it: the snapshot plus the cluster's nodes (null on one node). */
type Tick = DashboardTick & { nodes: { nodeId: string; activeConnections: number; totalRooms: number }[] | null };
type ClientRow = DashboardClientRow;

/** Points kept per chart (5 minutes at one tick a second). */
const WINDOW = 300;

const meta = (name: string): string => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? '';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function bytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

interface ChartSpec {
  id: string;
  title: string;
  series: { label: string; color: string; pick: (t: Tick) => number }[];
  format?: (v: number) => string;
}

const CHARTS: ChartSpec[] = [
  // One series per installed transport, created from the first tick (see connectionsSpec).
  { id: 'connections', title: 'Connections', series: [] },
  {
    id: 'messages',
    title: 'Messages / s',
    series: [
      { label: 'in', color: '#17c964', pick: (t) => t.rates.messagesIn },
      { label: 'out', color: '#9353d3', pick: (t) => t.rates.messagesOut },
    ],
  },
  {
    id: 'bytes',
    title: 'Bytes / s',
    series: [
      { label: 'in', color: '#17c964', pick: (t) => t.rates.bytesIn },
      { label: 'out', color: '#9353d3', pick: (t) => t.rates.bytesOut },
    ],
    format: bytes,
  },
  {
    id: 'acks',
    title: 'Acks / s and latency (ms)',
    series: [
      { label: 'acks/s', color: '#06b7db', pick: (t) => t.rates.acks },
      { label: 'mean ms', color: '#f31260', pick: (t) => t.ackLatencyMs },
    ],
  },
  {
    id: 'rooms',
    title: 'Rooms',
    series: [
      { label: 'rooms', color: '#f5a524', pick: (t) => t.rooms },
      { label: 'members', color: '#4f9cf9', pick: (t) => t.roomMembers },
    ],
  },
  {
    id: 'memory',
    title: 'Memory',
    series: [
      { label: 'heap used', color: '#9353d3', pick: (t) => t.memory.heapUsed },
      { label: 'rss', color: '#889096', pick: (t) => t.memory.rss },
    ],
    format: bytes,
  },
  {
    id: 'lag',
    title: 'Event-loop lag (ms, max per second)',
    series: [{ label: 'lag', color: '#f31260', pick: (t) => t.eventLoopLagMs }],
  },
];

const PROTOCOL_LABELS: Record<string, string> = { ws: 'WebSocket', tcp: 'TCP' };
const PALETTE = ['#4f9cf9', '#f5a524', '#17c964', '#9353d3', '#06b7db', '#f31260'];

/** The connections chart: a series per transport the server reports, in its order. */
function connectionsSpec(base: ChartSpec, t: Tick): ChartSpec {
  const series = Object.keys(t.connections).map((p, i) => ({
    label: PROTOCOL_LABELS[p] ?? p,
    color: PALETTE[i % PALETTE.length],
    pick: (x: Tick) => x.connections[p] ?? 0,
  }));
  return { ...base, series };
}

class Chart {
  readonly data: number[][];
  readonly plot: uPlot;

  constructor(
    readonly spec: ChartSpec,
    host: HTMLElement,
  ) {
    this.data = [[], ...spec.series.map(() => [])];
    const fmt = spec.format;
    this.plot = new uPlot(
      {
        width: Math.max(260, host.clientWidth - 8),
        height: 160,
        legend: { show: true },
        cursor: { show: true },
        scales: { x: { time: true } },
        axes: [
          { stroke: '#889096', grid: { stroke: '#2a2f36' } },
          { stroke: '#889096', grid: { stroke: '#2a2f36' }, size: 78, values: fmt ? (_u, vals) => vals.map((v) => fmt(v)) : undefined },
        ],
        series: [{}, ...spec.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, fill: `${s.color}22` }))],
      },
      this.data as uPlot.AlignedData,
      host,
    );
  }

  push(t: Tick): void {
    this.data[0].push(t.t / 1000);
    this.spec.series.forEach((s, i) => this.data[i + 1].push(s.pick(t)));
    if (this.data[0].length > WINDOW) for (const d of this.data) d.shift();
    this.plot.setData(this.data as uPlot.AlignedData);
  }

  resize(width: number): void {
    this.plot.setSize({ width: Math.max(260, width - 8), height: 160 });
  }
}

class Dashboard {
  private readonly client: StelarClient;
  private readonly charts: Chart[] = [];
  private readonly tiles = new Map<string, HTMLElement>();
  private query = '';
  private pendingConnections: { spec: ChartSpec; body: HTMLElement } | null = null;
  private ticks = 0;
  private readonly log: HTMLElement;
  private readonly clientsBody: HTMLElement;
  private readonly clientsInfo: HTMLElement;
  private readonly roomsBody: HTMLElement;
  private readonly nodesBody: HTMLElement;
  private readonly nodesCard: HTMLElement;
  private readonly state: HTMLElement;

  constructor(root: HTMLElement) {
    root.textContent = '';
    this.state = el('span', { id: 'state', class: 'state', 'data-state': 'connecting' }, 'connecting');
    const ns = meta('stelar-namespace') || '/';
    root.append(
      el('header', {}, el('h1', {}, 'Stelar'), el('span', { class: 'ns' }, `namespace ${ns}`), el('span', { id: 'uptime', class: 'muted' }), this.state),
    );
    const tiles = el('section', { class: 'tiles' });
    for (const [id, label] of [
      ['connections', 'Connections'],
      ['msgs-in', 'Msgs in / s'],
      ['msgs-out', 'Msgs out / s'],
      ['bytes', 'Bytes in / out per s'],
      ['acks', 'Acks / s · p99'],
      ['rooms', 'Rooms · members'],
      ['heap', 'Heap used'],
      ['lag', 'Loop lag'],
      ['refused', 'Refused · slow · limited'],
    ]) {
      const v = el('div', { class: 'value', id: `stat-${id}` }, '–');
      this.tiles.set(id, v);
      tiles.append(el('div', { class: 'tile' }, el('div', { class: 'label' }, label), v));
    }
    root.append(tiles);
    const grid = el('section', { class: 'charts' });
    root.append(grid);
    for (const spec of CHARTS) {
      const body = el('div', { class: 'chart', id: `chart-${spec.id}` });
      grid.append(el('div', { class: 'card' }, el('h2', {}, spec.title), body));
      if (spec.series.length === 0) this.pendingConnections = { spec, body };
      else this.charts.push(new Chart(spec, body));
    }
    addEventListener('resize', () => {
      for (const c of this.charts) c.resize((c.plot.root.parentElement as HTMLElement).clientWidth);
    });

    this.roomsBody = el('tbody', { id: 'rooms-body' });
    this.nodesBody = el('tbody', { id: 'nodes-body' });
    this.nodesCard = el(
      'div',
      { class: 'card', id: 'nodes', hidden: '' },
      el('h2', {}, 'Cluster nodes'),
      el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'node'), el('th', {}, 'connections'), el('th', {}, 'rooms'))), this.nodesBody),
    );
    const roomInput = el('input', { id: 'bc-room', placeholder: 'room (empty: everyone)' });
    const eventInput = el('input', { id: 'bc-event', placeholder: 'event', value: 'stelar:test' });
    const textInput = el('input', { id: 'bc-text', placeholder: 'message', value: 'hello from the dashboard' });
    const form = el('form', { id: 'broadcast-form', class: 'row' }, roomInput, eventInput, textInput, el('button', { type: 'submit' }, 'Send test message'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.act('broadcast', { room: roomInput.value.trim(), event: eventInput.value.trim(), data: { text: textInput.value } }, `test message to ${roomInput.value.trim() || 'everyone'}`);
    });
    this.log = el('ul', { id: 'actions-log', class: 'log' });
    root.append(
      el(
        'section',
        { class: 'split' },
        el(
          'div',
          { class: 'card' },
          el('h2', {}, 'Largest rooms'),
          el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'room'), el('th', {}, 'members'))), this.roomsBody),
        ),
        this.nodesCard,
        el('div', { class: 'card' }, el('h2', {}, 'Broadcast a test message'), form, el('h2', {}, 'Actions'), this.log),
      ),
    );

    const search = el('input', { id: 'search', type: 'search', placeholder: 'search id, ip or room' });
    search.addEventListener('input', () => {
      this.query = search.value;
      void this.refreshClients();
    });
    this.clientsInfo = el('span', { id: 'clients-info', class: 'muted' });
    this.clientsBody = el('tbody', { id: 'clients-body' });
    root.append(
      el(
        'section',
        { class: 'card' },
        el('div', { class: 'row' }, el('h2', {}, 'Clients'), search, this.clientsInfo),
        el(
          'table',
          { id: 'clients' },
          el(
            'thead',
            {},
            el('tr', {}, ...['id', 'ip', 'protocol', 'rooms', 'connected', 'in / out', 'buffered', ''].map((h) => el('th', {}, h))),
          ),
          this.clientsBody,
        ),
      ),
    );

    const base = meta('stelar-ws');
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${base}?token=${encodeURIComponent(meta('stelar-token'))}`;
    this.client = new StelarClient(url, { reconnection: true, reconnectionAttempts: 10, reconnectionDelay: 1000 });
    this.client.on('connect', () => this.setState('connected'));
    this.client.on('disconnect', () => this.setState('disconnected'));
    this.client.on('reconnecting', () => this.setState('reconnecting'));
    this.client.on('tick', (t: Tick) => this.onTick(t));
    // A restarted server has forgotten this page's token: load the page again (re-authenticates).
    this.client.on('reconnect_failed', () => location.reload());
    this.client.connect();
  }

  private setState(s: string): void {
    this.state.dataset.state = s;
    this.state.textContent = s;
  }

  private tile(id: string, text: string): void {
    const t = this.tiles.get(id);
    if (t !== undefined) t.textContent = text;
  }

  private onTick(t: Tick): void {
    this.ticks++;
    const conn = Object.entries(t.connections)
      .filter(([, n]) => n > 0)
      .map(([p, n]) => `${p} ${n}`)
      .join(' · ');
    this.tile('connections', `${t.total}${conn ? ` (${conn})` : ''}`);
    this.tile('msgs-in', String(t.rates.messagesIn));
    this.tile('msgs-out', String(t.rates.messagesOut));
    this.tile('bytes', `${bytes(t.rates.bytesIn)} / ${bytes(t.rates.bytesOut)}`);
    this.tile('acks', `${t.rates.acks} · ${t.ackP99Ms === Infinity ? '>10s' : `${t.ackP99Ms} ms`}`);
    this.tile('rooms', `${t.rooms} · ${t.roomMembers}`);
    this.tile('heap', bytes(t.memory.heapUsed));
    this.tile('lag', `${t.eventLoopLagMs} ms`);
    this.tile('refused', `${t.totals.refused} · ${t.totals.slowConsumers} · ${t.totals.rateLimited}`);
    (document.getElementById('uptime') as HTMLElement).textContent = `up ${duration(t.uptimeMs)}`;
    if (this.pendingConnections !== null) {
      const { spec, body } = this.pendingConnections;
      this.pendingConnections = null;
      this.charts.unshift(new Chart(connectionsSpec(spec, t), body));
    }
    for (const c of this.charts) c.push(t);
    this.roomsBody.replaceChildren(...t.largestRooms.map((r) => el('tr', {}, el('td', {}, r.room), el('td', {}, String(r.members)))));
    if (t.nodes !== null) {
      this.nodesCard.hidden = false;
      this.nodesBody.replaceChildren(
        ...t.nodes.map((n) => el('tr', {}, el('td', {}, n.nodeId), el('td', {}, String(n.activeConnections)), el('td', {}, String(n.totalRooms)))),
      );
    }
    void this.refreshClients();
    document.body.dataset.ticks = String(this.ticks);
  }

  private async refreshClients(): Promise<void> {
    if (!this.client.isConnected()) return;
    const r = await this.client.request<{ total: number; matched: number; clients: ClientRow[] }>('admin:clients', { q: this.query }).catch(() => null);
    if (r === null) return;
    this.clientsInfo.textContent = `${r.matched} of ${r.total}${r.matched > r.clients.length ? ` (first ${r.clients.length})` : ''}`;
    this.clientsBody.replaceChildren(...r.clients.map((c) => this.clientRow(c)));
  }

  private clientRow(c: ClientRow): HTMLElement {
    const rooms = el('td', { class: 'rooms' });
    for (const room of c.rooms) {
      const x = el('button', { class: 'chip', title: `remove from ${room}`, 'data-action': 'leave', 'data-room': room }, `${room} ×`);
      x.addEventListener('click', () => void this.act('leave', { id: c.id, room }, `removed ${c.id} from ${room}`));
      rooms.append(x);
    }
    const kick = el('button', { class: 'danger', 'data-action': 'disconnect' }, 'Disconnect');
    kick.addEventListener('click', () => void this.act('disconnect', { id: c.id }, `disconnected ${c.id}`));
    return el(
      'tr',
      { 'data-client': c.id },
      el('td', { class: 'mono' }, c.id),
      el('td', {}, c.ip),
      el('td', {}, c.protocol),
      rooms,
      el('td', {}, duration(Date.now() - c.connectedAt)),
      el('td', {}, `${c.messagesIn} / ${c.messagesOut}`),
      el('td', {}, bytes(c.bufferedBytes)),
      el('td', {}, kick),
    );
  }

  private async act(name: string, data: Record<string, unknown>, what: string): Promise<void> {
    let line: string;
    try {
      const r = await this.client.request<{ ok: boolean }>(`admin:${name}`, data);
      line = r.ok ? what : `${what}: no such client or room`;
    } catch (err) {
      line = `${what}: failed (${err instanceof Error ? err.message : String(err)})`;
    }
    this.log.prepend(el('li', {}, `${new Date().toLocaleTimeString()} ${line}`));
    while (this.log.children.length > 20) this.log.lastElementChild?.remove();
    void this.refreshClients();
  }

  /** For tests and the curious: the chart data. */
  get series(): Record<string, number[][]> {
    return Object.fromEntries(this.charts.map((c) => [c.spec.id, c.data]));
  }
}

const root = document.getElementById('app');
if (root !== null) (window as unknown as { stelarDashboard: Dashboard }).stelarDashboard = new Dashboard(root);
