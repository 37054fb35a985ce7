export * from './utf8';
export * from './name-validation';
export * from './binary-envelope';
export * from './message-fields';
export * from './ws-json.codec';
export * from './tcp-binary.codec';
