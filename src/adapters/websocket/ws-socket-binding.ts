import type { Socket } from 'node:net';

/** What a bound socket reports to (the WebSocket connection). */
export interface SocketOwner {
  socketData(chunk: Buffer): void;
  socketEnd(): void;
  socketDrain(): void;
  /** The socket closed; called once. */
  finalize(): void;
}

const kOwner = Symbol('stelar.wsSocketOwner');
type OwnedSocket = Socket & { [kOwner]?: SocketOwner };

/**
 * Attaches the module-level socket listeners: the owner hangs off the socket, so no closure is
 * created per connection and removal is exact.
 */
export function bindSocket(socket: Socket, owner: SocketOwner): void {
  (socket as OwnedSocket)[kOwner] = owner;
  socket.on('data', onSocketData);
  socket.on('end', onSocketEnd);
  socket.on('close', onSocketClose);
  socket.on('error', onSocketError);
  socket.on('drain', onSocketDrain);
}

/**
 * Detaches the listeners (keeping the error guard: a late EPIPE must not become an uncaught
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

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kOwner]?.socketData(chunk);
}

function onSocketEnd(this: OwnedSocket): void {
  this[kOwner]?.socketEnd();
}

function onSocketClose(this: OwnedSocket): void {
  this[kOwner]?.finalize();
}

function onSocketDrain(this: OwnedSocket): void {
  this[kOwner]?.socketDrain();
}

function onSocketError(this: OwnedSocket): void {
  // 'close' follows every error; destroying makes sure of it.
  this.destroy();
}
