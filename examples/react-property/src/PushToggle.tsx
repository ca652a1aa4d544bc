import { usePushNotifications } from '@sinyal/react';
import { PUSH_OPTIONS, pushLabel } from '../../shared/push';

/** "Notify me when I'm away": Web Push on this device (hidden where the browser cannot do it). */
export function PushToggle() {
  const push = usePushNotifications(PUSH_OPTIONS);
  if (push.status === 'unsupported' || push.status === 'idle') return null;
  const busy = push.status === 'enabling' || push.status === 'disabling' || push.status === 'checking';
  return (
    <label className="push-toggle" data-testid="push-toggle">
      <input
        type="checkbox"
        checked={push.status === 'enabled'}
        disabled={busy || push.status === 'denied'}
        onChange={(event) => void (event.target.checked ? push.enable() : push.disable())}
      />
      <span>
        Notify me when I’m away
        <small data-testid="push-status" data-status={push.status}>{pushLabel(push.status)}</small>
      </span>
    </label>
  );
}
