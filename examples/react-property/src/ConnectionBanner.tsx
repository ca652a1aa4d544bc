import { useConnectionState, useSinyal, useStore } from '@sinyal/react';
import { sharedTabs, signInHref } from '../../shared/demo';
import { Icon } from './Icon';

/** What the app shows for each connection state (docs/reconnection.md). */
export function ConnectionBanner() {
  const { state, attempt, retryAt } = useConnectionState();
  // Commands not yet acked by the server (typing signals are not worth mentioning).
  const pending = useStore(useSinyal().outbox).filter((command) => !command.getSnapshot().name.startsWith('chat:typing')).length;
  const queued = pending > 0 ? ` · ${pending} pending ${pending === 1 ? 'change' : 'changes'} will be sent when you are back` : '';
  // Shared tabs (`?tabs=shared`): signing out in any tab closes every tab's client.
  if (state === 'closed' && sharedTabs)
    return <div className="banner failed" role="alert" data-testid="connection" data-state={state}>Signed out in this or another tab. <a href={signInHref()}>Sign in again</a></div>;
  if (state === 'open' || state === 'idle' || state === 'closed') return null;
  if (state === 'connecting') return <div className="banner reconnecting" role="status" data-testid="connection" data-state={state}>Connecting…</div>;
  if (state === 'offline')
    return <div className="banner offline" role="status" data-testid="connection" data-state={state}><Icon name="wifiOff" /> You are offline{queued}</div>;
  if (state === 'failed')
    return <div className="banner failed" role="alert" data-testid="connection" data-state={state}>Disconnected. Reload the page to try again.</div>;
  const wait = retryAt ? Math.max(0, Math.round((retryAt - Date.now()) / 1000)) : 0;
  return (
    <div className="banner reconnecting" role="status" data-testid="connection" data-state={state}>
      Reconnecting…{attempt > 1 && wait > 0 ? ` (attempt ${attempt}, next in ${wait} s)` : ''}{queued}
    </div>
  );
}
