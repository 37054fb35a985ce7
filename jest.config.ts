/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';
import { createJsWithTsPreset } from 'ts-jest';

// inversify 8 is ESM-only: Jest 30 on Node 20 cannot require() it, so it is transformed.
// isolatedModules makes ts-jest transpile only; `npm test` type-checks with tsc first.
const config: Config = {
  ...createJsWithTsPreset({ tsconfig: { allowJs: true, isolatedModules: true } }),
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  setupFiles: ['reflect-metadata'],
  transformIgnorePatterns: ['/node_modules/(?!(inversify|@inversifyjs)/)'],
  testTimeout: 20000,
};
export default config;
