import 'reflect-metadata';

export * from './ports';
export * from './domain/message';
export * from './domain/errors';
