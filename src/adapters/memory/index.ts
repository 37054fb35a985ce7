export * from './token-bucket-rate-limiter.adapter';
export * from './token-bucket-rate-limiter.factory';
export * from './ip-tracker.adapter';
export * from './system-clock.adapter';
export * from './uuid-id-generator.adapter';
export * from './console-logger.adapter';
export * from './memory-cluster-bus.adapter';
