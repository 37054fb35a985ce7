export * from './tcp-frame-parser';
export * from './tcp-connection';
export * from './tcp-server-transport';
export * from './tcp-client-transport';
