/**
 * Container tokens of the application layer: the resolved options and every service the
 * composition root assembles (`application/container.ts`). Port tokens live with their ports
 * (`src/ports`, `TOKENS`); a transport plug-in's own tokens live in its folder (`WS_TOKENS`,
 * `TCP_TOKENS`). Each token here is bound once and read by another binding or by StelarServer.
 */
export const APP_TOKENS = {
  Options: Symbol.for('stelar.Options'),
  ServerLimits: Symbol.for('stelar.ServerLimits'),
  Codecs: Symbol.for('stelar.Codecs'),
  ClientRegistry: Symbol.for('stelar.ClientRegistry'),
  RoomRegistry: Symbol.for('stelar.RoomRegistry'),
  HookRunner: Symbol.for('stelar.HookRunner'),
  RateLimitPolicy: Symbol.for('stelar.RateLimitPolicy'),
  AdmissionService: Symbol.for('stelar.AdmissionService'),
  Dispatcher: Symbol.for('stelar.Dispatcher'),
  MessageSender: Symbol.for('stelar.MessageSender'),
  FanOut: Symbol.for('stelar.FanOut'),
  Delivery: Symbol.for('stelar.Delivery'),
  RequestReplier: Symbol.for('stelar.RequestReplier'),
  Messaging: Symbol.for('stelar.Messaging'),
  ContextFactory: Symbol.for('stelar.ContextFactory'),
  MessageRouter: Symbol.for('stelar.MessageRouter'),
  InboundPipeline: Symbol.for('stelar.InboundPipeline'),
  HeartbeatService: Symbol.for('stelar.HeartbeatService'),
  ConnectionService: Symbol.for('stelar.ConnectionService'),
  Recovery: Symbol.for('stelar.Recovery'),
  ClientSequencer: Symbol.for('stelar.ClientSequencer'),
  Uptime: Symbol.for('stelar.Uptime'),
  Stats: Symbol.for('stelar.Stats'),
  LocalState: Symbol.for('stelar.LocalState'),
  Lifecycle: Symbol.for('stelar.Lifecycle'),
  RuntimeConfig: Symbol.for('stelar.RuntimeConfig'),
  /** The domain's plain integer counters (metrics, dashboard). */
  Counters: Symbol.for('stelar.Counters'),
  /** Metrics route, dashboard, event-loop lag sampler (operations/operations.module.ts). */
  Operations: Symbol.for('stelar.Operations'),
} as const;
