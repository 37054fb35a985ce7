/**
 * Type tests of the typed event maps (compile-time only: `npm test` runs `tsc --noEmit` over
 * test/, so every `expectTypeOf` must hold and every `@ts-expect-error` line must really be an
 * error, else the build fails). Nothing here runs: the code sits in functions never called.
 * The run-time behaviour of the same API is tested in test/integration/server/typed-events.test.ts.
 */
import { expectTypeOf } from 'expect-type';
import { StelarServer, StelarClient, type BroadcastOperator, type StelarContext, type StelarStats } from '../../src';
import { StelarClient as BrowserClient } from '../../src/browser';

interface ClientToServer {
  chat: (msg: { text: string }) => void;
  typing: () => void;
  avatar: (bytes: Buffer) => void;
  getUser: (q: { id: number }) => { id: number; name: string };
  slowSum: (nums: number[]) => Promise<number>;
}
interface ServerToClient {
  chat: (msg: { from: string; text: string }) => void;
  welcome: (w: { id: string }) => void;
  frame: (bytes: Uint8Array) => void;
  tick: () => void;
}
interface ClientData {
  userId: number;
  role: 'admin' | 'user';
}

export function typedServer(): void {
  const server = new StelarServer<ClientToServer, ServerToClient, ClientData>({ port: 0 });

  // on: ctx.data is the event's payload; ctx.emit / broadcast / to / toId use the Emit map.
  server.on('chat', (ctx) => {
    expectTypeOf(ctx.data).toEqualTypeOf<{ text: string }>();
    expectTypeOf(ctx.data.text).toBeString();
    ctx.emit('chat', { from: ctx.id, text: ctx.data.text });
    ctx.broadcast('chat', { from: ctx.id, text: ctx.data.text });
    ctx.broadcast('chat', { from: ctx.id, text: 'x' }, 'some-id');
    ctx.to('lobby', 'chat', { from: ctx.id, text: ctx.data.text });
    ctx.toId('other', 'welcome', { id: 'other' });
    ctx.emit('tick', undefined);
    // @ts-expect-error reading a field the payload does not have
    void ctx.data.body;
    // @ts-expect-error misspelled event
    ctx.emit('chta', { from: ctx.id, text: '' });
    // @ts-expect-error wrong payload (text must be a string)
    ctx.emit('chat', { from: ctx.id, text: 42 });
    // @ts-expect-error payload missing a field
    ctx.broadcast('chat', { text: 'no from' });
    // @ts-expect-error wrong payload to a room
    ctx.to('lobby', 'welcome', { id: 7 });
    // @ts-expect-error an event of the other direction is not in the Emit map
    ctx.toId('x', 'getUser', { id: 1 });
  });
  server.on('typing', (ctx) => {
    expectTypeOf(ctx.data).toEqualTypeOf<undefined>();
  });
  // @ts-expect-error misspelled event in on()
  server.on('chatt', () => undefined);
  // @ts-expect-error a server-to-client event is not something the server listens to
  server.on('welcome', () => undefined);

  // Binary events: the payload type is the Buffer the server hands to the handler.
  server.on('avatar', (ctx) => {
    expectTypeOf(ctx.data).toEqualTypeOf<Buffer>();
    ctx.emitBinary('frame', new Uint8Array(1));
    ctx.broadcastBinary('frame', new Uint8Array(1));
    // @ts-expect-error 'chat' carries JSON, not bytes
    ctx.emitBinary('chat', new Uint8Array(1));
  });
  server.broadcastBinary('frame', new Uint8Array(2));
  // @ts-expect-error binary to a JSON event
  server.broadcastBinary('welcome', new Uint8Array(2));

  // onAck: the handler's return (sync or promise) must be the request's answer type.
  server.onAck('getUser', (ctx) => {
    expectTypeOf(ctx.data).toEqualTypeOf<{ id: number }>();
    return { id: ctx.data.id, name: 'Ada' };
  });
  server.onAck('getUser', async (ctx) => ({ id: ctx.data.id, name: 'Ada' }));
  server.onAck('slowSum', async (ctx) => ctx.data.reduce((a, b) => a + b, 0));
  server.onAck('slowSum', (ctx) => ctx.data.length);
  // @ts-expect-error wrong answer type (name missing)
  server.onAck('getUser', (ctx) => ({ id: ctx.data.id }));
  // @ts-expect-error wrong answer type from a promise
  server.onAck('getUser', async () => 'Ada');
  // @ts-expect-error wrong answer type for a number request
  server.onAck('slowSum', () => 'ten');
  // @ts-expect-error misspelled request
  server.onAck('getUsr', () => ({ id: 1, name: 'x' }));

  // Server-side sends.
  server.broadcast('chat', { from: 'server', text: 'hi' });
  server.broadcast('tick', undefined, undefined, { volatile: true });
  server.to('lobby', 'welcome', { id: 'x' });
  server.toId('abc', 'chat', { from: 'server', text: 'dm' });
  // @ts-expect-error misspelled event in broadcast
  server.broadcast('chatt', { from: 'server', text: 'hi' });
  // @ts-expect-error wrong payload in to()
  server.to('lobby', 'welcome', { id: 1 });
  // @ts-expect-error wrong payload in toId()
  server.toId('abc', 'chat', 'just text');

  // The broadcast builder (to with one argument, except, volatile, local) keeps the Emit map.
  server.to('lobby').emit('welcome', { id: 'x' });
  server.to(['a', 'b']).to('c').except('u1').except(['muted']).volatile.local.emit('chat', { from: 's', text: 't' });
  server.except('u1').emit('tick', undefined);
  server.volatile.emit('frame', new Uint8Array(1));
  server.local.to('r').emit('tick', undefined);
  expectTypeOf(server.to('lobby')).toEqualTypeOf<BroadcastOperator<ServerToClient>>();
  expectTypeOf(server.to('lobby', 'welcome', { id: 'x' })).toBeVoid();
  const kept: BroadcastOperator<ServerToClient> = server.to('lobby').volatile;
  kept.emit('welcome', { id: 'y' });
  // @ts-expect-error misspelled event in a builder emit
  server.to('lobby').emit('welcom', { id: 'x' });
  // @ts-expect-error wrong payload in a builder emit
  server.except('u1').local.emit('welcome', { id: 1 });
  // @ts-expect-error an event of the other direction is not in the Emit map
  server.volatile.emit('getUser', { id: 1 });
  // @ts-expect-error room names are strings
  server.to(42);
  // @ts-expect-error a list of rooms takes the builder (no event in the same call)
  server.to(['a', 'b'], 'welcome', { id: 'x' });

  // Per-client data (setMetadata/getMetadata) and connection contexts.
  server.use((ctx, next) => {
    expectTypeOf(ctx.data).toEqualTypeOf<undefined>();
    ctx.setMetadata('role', 'user');
    ctx.setMetadata('userId', 7);
    // @ts-expect-error role is 'admin' | 'user'
    ctx.setMetadata('role', 'root');
    // @ts-expect-error no such per-client field
    ctx.setMetadata('nickname', 'x');
    next();
  });
  server.onConnection((ctx) => {
    expectTypeOf(ctx.getMetadata('userId')).toEqualTypeOf<number | undefined>();
    expectTypeOf(ctx.getMetadata('role')).toEqualTypeOf<'admin' | 'user' | undefined>();
    // @ts-expect-error reading a missing field of the per-client data
    ctx.getMetadata('nickname');
    ctx.emit('welcome', { id: ctx.id });
    // @ts-expect-error connection contexts carry no payload
    void ctx.data.text;
  });
  server.onDisconnect((ctx) => {
    expectTypeOf(ctx.getMetadata('userId')).toEqualTypeOf<number | undefined>();
  });
  server.onAll(({ event, data: ctx }) => {
    expectTypeOf(event).toBeString();
    expectTypeOf(ctx.data).toEqualTypeOf<{ text: string } | undefined | Buffer | { id: number } | number[]>();
  });

  // Chaining keeps the typed server.
  expectTypeOf(server.on('chat', () => undefined)).toEqualTypeOf<StelarServer<ClientToServer, ServerToClient, ClientData>>();
  const ns = StelarServer.of<ClientToServer, ServerToClient>('/chat', { port: 0 });
  // @ts-expect-error namespaces are typed too
  ns.broadcast('nope', {});
  const made = StelarServer.create<ClientToServer, ServerToClient>({ port: 0 });
  // @ts-expect-error created servers are typed too
  made.on('nope', () => undefined);
}

export async function typedClient(): Promise<void> {
  // Node client: Listen = what the server sends, Emit = what this client sends.
  const client = new StelarClient<ServerToClient, ClientToServer>(3000);
  client.on('chat', (msg) => {
    expectTypeOf(msg).toEqualTypeOf<{ from: string; text: string }>();
  });
  client.once('welcome', (w) => expectTypeOf(w.id).toBeString());
  const onFrame = (bytes: Uint8Array): void => void bytes.byteLength;
  client.on('frame', onFrame);
  client.off('frame', onFrame);
  client.on('tick', () => undefined);
  // Reserved events keep their own signatures.
  client.on('disconnect', (info) => expectTypeOf(info.code).toBeNumber());
  client.on('reconnecting', (attempt) => expectTypeOf(attempt).toBeNumber());
  client.on('error', (err) => expectTypeOf(err).toMatchTypeOf<Error>());
  client.on('connect', () => undefined);
  // @ts-expect-error misspelled event in on()
  client.on('chatt', () => undefined);
  // @ts-expect-error wrong listener payload type
  client.on('chat', (msg: { text: number }) => void msg);
  // @ts-expect-error once() is typed as well
  client.once('welcom', () => undefined);
  // @ts-expect-error off() is typed as well
  client.off('chat', (msg: string) => void msg);

  client.emit('chat', { text: 'hello' });
  client.emit('typing');
  client.emit('chat', { text: 'with ack' }, { ack: 'chat:ok' });
  // @ts-expect-error misspelled event in emit()
  client.emit('caht', { text: 'hello' });
  // @ts-expect-error wrong payload in emit()
  client.emit('chat', { txt: 'hello' });
  // @ts-expect-error payload required
  client.emit('chat');
  // @ts-expect-error a server-to-client event is not in this client's Emit map
  client.emit('welcome', { id: 'x' });

  const user = await client.request('getUser', { id: 1 });
  expectTypeOf(user).toEqualTypeOf<{ id: number; name: string }>();
  expectTypeOf(client.request('slowSum', [1, 2])).toEqualTypeOf<Promise<number>>();
  // @ts-expect-error wrong request payload
  void client.request('getUser', { id: '1' });
  // @ts-expect-error misspelled request
  void client.request('getUsr', { id: 1 });
  // @ts-expect-error the answer is not a string
  const wrong: string = await client.request('getUser', { id: 1 });
  void wrong;
  // @ts-expect-error typed clients do not take a free-form request<T>()
  void client.request<string>('anything', {});

  client.emitBinary('avatar', new Uint8Array([1]));
  // @ts-expect-error 'chat' carries JSON, not bytes
  client.emitBinary('chat', new Uint8Array([1]));

  // Browser client: same typing.
  const b = new BrowserClient<ServerToClient, ClientToServer>('localhost:3000');
  b.on('welcome', (w) => expectTypeOf(w).toEqualTypeOf<{ id: string }>());
  expectTypeOf(b.request('getUser', { id: 2 })).toEqualTypeOf<Promise<{ id: number; name: string }>>();
  // @ts-expect-error browser client: misspelled event
  b.emit('chta', { text: '' });
  // @ts-expect-error browser client: wrong payload
  b.emit('chat', { text: 1 });
}

/** Without type arguments the API is the untyped one of the seed README. */
export async function untyped(): Promise<void> {
  const server = new StelarServer({ port: 0 });
  server.on('anything', (ctx) => {
    expectTypeOf(ctx.data).toBeAny();
    ctx.emit('whatever', { any: 'thing' });
    ctx.broadcast('x', 1, ctx.id);
    ctx.setMetadata('k', { nested: true });
    expectTypeOf(ctx.getMetadata('k')).toBeUnknown();
  });
  server.onAck('q', () => 42);
  server.onAck('q', async (ctx) => ctx.data);
  server.broadcast('e', null);
  server.to('room', 'e', undefined);
  server.to('room').except('id').emit('e', { any: 1 });
  server.toId('id', 'e', [1, 2]);
  server.onConnection((client) => client.emit('welcome', { message: 'hi' }));
  expectTypeOf(server.getStats()).toEqualTypeOf<StelarStats>();
  const handler = (ctx: StelarContext): void => ctx.emit('a', ctx.data);
  server.on('a', handler);

  const client = new StelarClient('localhost:3000');
  client.on('message', (a, b) => void [a, b]);
  client.emit('anything');
  client.emit('anything', { x: 1 }, { ack: 'done' });
  expectTypeOf(client.request('q', 1)).toEqualTypeOf<Promise<unknown>>();
  expectTypeOf(client.request<number>('q', 1)).toEqualTypeOf<Promise<number>>();
  expectTypeOf(await client.request<{ ok: boolean }>('q', 1, 'q-answer')).toEqualTypeOf<{ ok: boolean }>();
  client.emitBinary('bytes', new Uint8Array(1));
}
