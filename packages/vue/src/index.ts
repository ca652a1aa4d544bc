/**
 * `@sinyal/vue`: a plugin and composables over the `@sinyal/client` stores, returning
 * shallow refs released with the effect scope. All logic lives in the client.
 * @module
 */
export { createSinyal, provideSinyal, SINYAL_KEY, type SinyalInjection, type SinyalPluginOptions } from './plugin';
export { useSinyal } from './useSinyal';
export { useStore, type ExternalStore } from './useStore';
export { useConnectionState } from './useConnectionState';
export { useRoom } from './useRoom';
export { useEvent } from './useEvent';
