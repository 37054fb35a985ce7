/**
 * RFC 6455 / RFC 7692 WebSocket adapter: the server transport, the Node client transport, and
 * the building blocks they are made of (exported for tests, benchmarks and other adapters).
 */
export { WsServerTransport, type WsServerTransportOptions } from './ws-server-transport';
export {
  WsClientTransportFactory,
  WsClientTransport,
  type WsClientTransportOptions,
} from './ws-client-transport';
export { WsConnection, WsFrameCache, type WsConnectionOptions } from './ws-connection';
export { WsReceiver, type WsReceiverSink, type WsReceiverOptions } from './ws-receiver';
export { frame, closeBody, controlFrame, type FrameOptions } from './ws-sender';
export {
  PerMessageDeflate,
  negotiateServer,
  clientOffer,
  acceptClientResponse,
  type PerMessageDeflateOptions,
  type DeflateParams,
} from './permessage-deflate';
export { validateUpgradeRequest, acceptKey, abortHandshake, remoteAddressOf } from './ws-handshake';
export { Utf8Validator, isValidUtf8 } from './utf8-validator';
export { isValidReceivedCloseCode, isValidSendCloseCode } from './ws-close-codes';
export { WS_GUID, Opcode, WS_DEFAULTS } from './ws-constants';
export { UpgradeRouter, normalizePath, type UpgradeRoute } from '../http/upgrade-router';
