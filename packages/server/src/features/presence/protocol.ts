// The presence schemas and types this feature uses, imported in one place.
export { SetAgentStatusData, SocialProofActivityBody } from '@sinyal/protocol/schema';
export type {
  ChosenAgentStatus,
  PresenceStatus,
  SocialProof,
  SocialProofActivity,
  ViewerCount,
  ViewersState,
} from '@sinyal/protocol/schema';
