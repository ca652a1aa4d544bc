import { pushNotifications, type PushNotifications, type PushNotificationsOptions, type PushSnapshot } from '@sinyal/client/push';
import { useSinyal } from './useSinyal';
import { useStoreView } from './useStoreView';

/** What {@link usePushNotifications} returns: Web Push on this device and its actions. */
export type UsePushNotificationsResult = PushSnapshot & Pick<PushNotifications, 'enable' | 'disable' | 'refresh'>;

/**
 * Web Push on this device for the signed-in user ("Notify me when I'm away"): `status`
 * (`enabled`, `disabled`, `denied`, `unsupported`…), `permission`, `error`, and `enable()`
 * (call it from a click: it asks for permission), `disable()`, `refresh()`. The options
 * apply when the store is first created for the client. From `@sinyal/client/push`.
 *
 * @example
 * ```tsx
 * const push = usePushNotifications({ serviceWorker: '/sinyal-sw.js' });
 * if (push.status === 'unsupported') return null;
 * return (
 *   <label>
 *     <input type="checkbox" checked={push.status === 'enabled'} disabled={push.status === 'denied'}
 *       onChange={(e) => (e.target.checked ? push.enable() : push.disable())} />
 *     Notify me when I'm away
 *   </label>
 * );
 * ```
 */
export function usePushNotifications(options: PushNotificationsOptions): UsePushNotificationsResult {
  return useStoreView(pushNotifications(useSinyal<object, object>(), options), ['enable', 'disable', 'refresh']);
}
