import type { SinyalClient } from '@sinyal/client';
import { inject, provide, type App, type InjectionKey } from 'vue';

/** What the plugin shares: the app's client and how long composables keep a room after unmount. */
export interface SinyalInjection {
  client: SinyalClient<object, object>;
  releaseMs: number;
}

/** Injection key of the Sinyal client (for `inject` in plain setup code). */
export const SINYAL_KEY: InjectionKey<SinyalInjection> = Symbol('sinyal');

/** Options of {@link createSinyal} / {@link provideSinyal}. */
export interface SinyalPluginOptions {
  /**
   * How long a composable keeps its room (and store) after its scope is disposed, so a
   * quick unmount/mount (route change, `<KeepAlive>` churn) never leaves and re-joins.
   * @default 200
   */
  releaseMs?: number;
}

/**
 * Vue plugin that makes the app's Sinyal client available to every composable.
 *
 * @example
 * ```ts
 * const client = createClient({ url, token: getToken });
 * createApp(App).use(createSinyal(client)).mount('#app');
 * ```
 */
export function createSinyal(client: SinyalClient<object, object>, options: SinyalPluginOptions = {}) {
  return {
    install(app: App) {
      app.provide(SINYAL_KEY, { client, releaseMs: options.releaseMs ?? 200 });
    },
  };
}

/** Provide a client to a component subtree (instead of the plugin), e.g. in a layout's setup. */
export function provideSinyal(client: SinyalClient<object, object>, options: SinyalPluginOptions = {}): void {
  provide(SINYAL_KEY, { client, releaseMs: options.releaseMs ?? 200 });
}

/** @internal */
export function useSinyalInjection(): SinyalInjection {
  const value = inject(SINYAL_KEY, null);
  if (!value) throw new Error('Sinyal composables need app.use(createSinyal(client)) or provideSinyal(client)');
  return value;
}
