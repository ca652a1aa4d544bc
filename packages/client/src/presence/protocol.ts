// Presence types this store uses (type-only: no zod reaches the browser bundle).
export type {
  AgentStatus,
  ChosenAgentStatus,
  PresenceCommands,
  PresenceEvents,
  PresenceStatus,
  ViewersState,
} from '@sinyal/protocol';
