/**
 * zod schemas for every Sinyal frame, and parse helpers. Import from
 * `@sinyal/protocol/schema`; the main entry stays free of zod so browser bundles
 * that do not validate do not ship it.
 * @module
 */
export * from './frames';
export * from './parse';
export * from './chat';
export * from './auction';
export * from './presence';
export * from './property';
export * from './notification';
