/**
 * Presence & social proof on the client: viewer counts and counters per property, user
 * and agent status (`online | away | offline`), and the activity tracker that reports this
 * connection idle or active. Framework-agnostic stores; React and Vue adapters sit on
 * `subscribe` / `getSnapshot`.
 * @module
 */
export { ViewerCountStore, viewerCountStore, type ViewerCountSnapshot } from './viewerCountStore';
export { UserStatusStore, userStatusStore, agentStatusStore, setAgentStatus, type UserStatusSnapshot } from './userStatusStore';
export { ActivityTracker, activityTracker, DEFAULT_ACTIVITY_TRACKER, type ActivityTrackerOptions, type ActivitySnapshot } from './activityTracker';
export { browserActivitySource, ACTIVITY_INPUT_EVENTS, type ActivitySource } from './activitySource';
