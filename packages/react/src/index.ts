/**
 * `@sinyal/react`: `<SinyalProvider>` and hooks over the `@sinyal/client` stores, built
 * on `useSyncExternalStore`. All logic lives in the client; these only bind it to React.
 * @module
 */
export { SinyalProvider, type SinyalProviderProps } from './SinyalProvider';
export { useSinyal } from './useSinyal';
export { useStore, type ExternalStore } from './useStore';
export { useConnectionState } from './useConnectionState';
export { useRoom } from './useRoom';
export { useEvent } from './useEvent';
