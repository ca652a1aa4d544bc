/**
 * Presence & social proof on the client: viewer counts and counters per property, user
 * and agent status. Framework-agnostic stores; React and Vue adapters sit on
 * `subscribe` / `getSnapshot`.
 * @module
 */
export { ViewerCountStore, viewerCountStore, type ViewerCountSnapshot } from './viewerCountStore';
export { UserStatusStore, userStatusStore, agentStatusStore, setAgentStatus, type UserStatusSnapshot } from './userStatusStore';
