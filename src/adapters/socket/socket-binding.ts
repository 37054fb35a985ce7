import type { Socket } from 'node:net';

/** What a bound socket reports to (a WebSocket or TCP connection). */
export interface SocketOwner {
  socketData(chunk: Buffer): void;
  /** The peer half-closed (listened to only when bound with `listenEnd`). */
  socketEnd(): void;
  /** The socket's buffer drained (listened to only between listenDrain and unlistenDrain). */
  socketDrain(): void;
  /** A socket error; 'close' follows. */
  socketError(err: Error): void;
  /** The socket closed; called once. */
  socketClosed(): void;
}

const kOwner = Symbol('stelar.socketOwner');
type OwnedSocket = Socket & { [kOwner]?: SocketOwner };

/**
 * Attaches the module-level socket listeners ('data', 'error', 'close', and 'end' when
 * `listenEnd`): the owner hangs off the socket, so no closure is created per connection and
 * removal is exact. 'drain' is listened to only while the owner waits for it (listenDrain),
 * which keeps a listener off every socket that keeps up.
 */
export function bindSocket(socket: Socket, owner: SocketOwner, listenEnd: boolean): void {
  (socket as OwnedSocket)[kOwner] = owner;
  socket.on('data', onSocketData);
  if (listenEnd) socket.on('end', onSocketEnd);
  socket.on('close', onSocketClose);
  socket.on('error', onSocketError);
}

/**
 * Detaches the listeners, keeping the error guard (a late EPIPE must not become an uncaught
 * exception). Returns false when `owner` was not bound (already unbound).
 */
export function unbindSocket(socket: Socket, owner: SocketOwner): boolean {
  const s = socket as OwnedSocket;
  if (s[kOwner] !== owner) return false;
  s[kOwner] = undefined;
  socket.removeListener('data', onSocketData);
  socket.removeListener('end', onSocketEnd);
  socket.removeListener('close', onSocketClose);
  socket.removeListener('drain', onSocketDrain);
  return true;
}

/** Starts listening to 'drain' (the owner's send buffer went over its limit). */
export function listenDrain(socket: Socket): void {
  socket.on('drain', onSocketDrain);
}

/** Stops listening to 'drain'. */
export function unlistenDrain(socket: Socket): void {
  socket.removeListener('drain', onSocketDrain);
}

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kOwner]?.socketData(chunk);
}

function onSocketEnd(this: OwnedSocket): void {
  this[kOwner]?.socketEnd();
}

function onSocketClose(this: OwnedSocket): void {
  this[kOwner]?.socketClosed();
}

function onSocketDrain(this: OwnedSocket): void {
  this[kOwner]?.socketDrain();
}

function onSocketError(this: OwnedSocket, err: Error): void {
  this[kOwner]?.socketError(err);
  // 'close' follows every error; destroying makes sure of it.
  this.destroy();
}
