/**
 * Where an {@link ActivityTracker} learns that the user is there: input, and whether the page
 * is hidden. Injectable for tests, React Native (AppState), Electron or a worker;
 * {@link browserActivitySource} is the default.
 */
export interface ActivitySource {
  /** Whether the page is hidden right now (`false` where there is no page). */
  isHidden(): boolean;
  /**
   * Calls `onInput` on user input and `onVisibilityChange` when the page is hidden or shown
   * again. Returns the function that stops listening.
   */
  listen(onInput: () => void, onVisibilityChange: () => void): () => void;
}

/** The input events {@link browserActivitySource} counts as activity (listened to on `document`, passive, capture). */
export const ACTIVITY_INPUT_EVENTS: readonly string[] = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'scroll'];

interface EventTargetLike {
  addEventListener?(type: string, listener: () => void, options?: AddEventListenerOptions | boolean): void;
  removeEventListener?(type: string, listener: () => void, options?: EventListenerOptions | boolean): void;
}

/**
 * Input on `document` ({@link ACTIVITY_INPUT_EVENTS}, passive listeners in the capture phase,
 * so scrolling inside any element counts), the window getting focus back, and
 * `document.visibilityState`. Where there is no `document` (Node, SSR, a worker) it listens
 * to nothing and the page is never hidden: report activity with `ActivityTracker.setIdle`.
 */
export function browserActivitySource(): ActivitySource {
  const g = globalThis as unknown as EventTargetLike & { document?: EventTargetLike & { visibilityState?: string } };
  return {
    isHidden: () => g.document?.visibilityState === 'hidden',
    listen(onInput, onVisibilityChange) {
      const doc = g.document;
      if (typeof doc?.addEventListener !== 'function') return () => {};
      const options = { passive: true, capture: true };
      for (const type of ACTIVITY_INPUT_EVENTS) doc.addEventListener(type, onInput, options);
      doc.addEventListener('visibilitychange', onVisibilityChange);
      g.addEventListener?.('focus', onInput);
      return () => {
        for (const type of ACTIVITY_INPUT_EVENTS) doc.removeEventListener?.(type, onInput, options);
        doc.removeEventListener?.('visibilitychange', onVisibilityChange);
        g.removeEventListener?.('focus', onInput);
      };
    },
  };
}
