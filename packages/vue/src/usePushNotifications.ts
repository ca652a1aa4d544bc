import { pushNotifications, type PushNotifications, type PushNotificationsOptions, type PushSnapshot } from '@sinyal/client/push';
import { useSinyal } from './useSinyal';
import { useStoreRefs, type ToComputedRefs } from './useStoreRefs';

/** What {@link usePushNotifications} returns: a computed ref per field, and the actions. */
export type UsePushNotificationsReturn = ToComputedRefs<PushSnapshot> & Pick<PushNotifications, 'enable' | 'disable' | 'refresh'>;

/**
 * Web Push on this device for the signed-in user ("Notify me when I'm away"): `status`
 * (`enabled`, `disabled`, `denied`, `unsupported`…), `permission`, `error` as computed refs,
 * and `enable()` (call it from a click: it asks for permission), `disable()`, `refresh()`.
 * The options apply when the store is first created for the client. From `@sinyal/client/push`.
 *
 * @example
 * ```vue
 * <script setup lang="ts">
 * const { status, enable, disable } = usePushNotifications({ serviceWorker: '/sinyal-sw.js' });
 * </script>
 * <template>
 *   <label v-if="status !== 'unsupported'">
 *     <input type="checkbox" :checked="status === 'enabled'" :disabled="status === 'denied'"
 *       @change="($event.target as HTMLInputElement).checked ? enable() : disable()" />
 *     Notify me when I'm away
 *   </label>
 * </template>
 * ```
 */
export function usePushNotifications(options: PushNotificationsOptions): UsePushNotificationsReturn {
  return useStoreRefs(pushNotifications(useSinyal<object, object>(), options), ['enable', 'disable', 'refresh']);
}
