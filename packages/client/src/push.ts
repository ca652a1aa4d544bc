/**
 * `@sinyal/client/push`: Web Push on this device ("Notify me when I'm away"). A separate
 * entry point, so apps that do not use it do not ship it.
 *
 * @packageDocumentation
 */
export { pushNotifications, PushNotifications, type PushNotificationsOptions, type PushSnapshot, type PushStatus } from './notification/pushNotifications';
