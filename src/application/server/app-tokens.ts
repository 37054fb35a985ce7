/**
 * Container tokens of the application layer (resolved options and the domain services the
 * composition root assembles). Port tokens live with their ports (`src/ports`, `TOKENS`).
 */
export const APP_TOKENS = {
  Options: Symbol.for('stelar.Options'),
  ServerLimits: Symbol.for('stelar.ServerLimits'),
  ClientRegistry: Symbol.for('stelar.ClientRegistry'),
  RoomRegistry: Symbol.for('stelar.RoomRegistry'),
  HookRunner: Symbol.for('stelar.HookRunner'),
  RateLimitPolicy: Symbol.for('stelar.RateLimitPolicy'),
  AdmissionService: Symbol.for('stelar.AdmissionService'),
  Dispatcher: Symbol.for('stelar.Dispatcher'),
  ContextFactory: Symbol.for('stelar.ContextFactory'),
  ConnectionService: Symbol.for('stelar.ConnectionService'),
  HttpRequestHook: Symbol.for('stelar.HttpRequestHook'),
} as const;
