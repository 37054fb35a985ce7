export * from './server/server-options';
export * from './server/server-types';
export type { BroadcastOperator } from './server/broadcast-operator.types';
export * from './server/stelar-server';
export * from './server/runtime-config';
export * from './server/app-tokens';
export * from './container';
export { signalSubscriberCount } from './server/shutdown-signals';
export { healthBody } from './server/health.handler';
