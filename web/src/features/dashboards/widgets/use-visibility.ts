// Whether an element can be seen: on screen (IntersectionObserver) and the tab shown
// (visibilitychange). Charts stop drawing while hidden and catch up when shown.

import { type RefObject, useEffect, useRef } from 'react';

export function useVisibility(
  ref: RefObject<Element | null>,
  onChange: (visible: boolean) => void,
): RefObject<boolean> {
  const visible = useRef(true);
  const cb = useRef(onChange);
  cb.current = onChange;
  useEffect(() => {
    const el = ref.current;
    let onScreen = true;
    let tabShown = typeof document === 'undefined' || document.visibilityState !== 'hidden';
    const update = () => {
      const v = onScreen && tabShown;
      if (v !== visible.current) {
        visible.current = v;
        cb.current(v);
      }
    };
    let io: IntersectionObserver | undefined;
    if (el && typeof IntersectionObserver === 'function') {
      io = new IntersectionObserver((entries) => {
        const e = entries[entries.length - 1];
        if (e) onScreen = e.isIntersecting;
        update();
      });
      io.observe(el);
    }
    const onVis = () => {
      tabShown = document.visibilityState !== 'hidden';
      update();
    };
    document.addEventListener('visibilitychange', onVis);
    update();
    return () => {
      io?.disconnect();
      document.removeEventListener('visibilitychange', onVis);
    };
  }, [ref]);
  return visible;
}
