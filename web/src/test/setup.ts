// Browser APIs jsdom lacks, for components that use them (uPlot needs matchMedia and a canvas
// context; the grid and charts use ResizeObserver and IntersectionObserver). Node tests skip this.

if (typeof window !== 'undefined') {
  if (!window.matchMedia) {
    window.matchMedia = (query: string) =>
      ({
        matches: false,
        media: query,
        onchange: null,
        addListener: () => {},
        removeListener: () => {},
        addEventListener: () => {},
        removeEventListener: () => {},
        dispatchEvent: () => false,
      }) as unknown as MediaQueryList;
  }
  const proto = HTMLCanvasElement.prototype as unknown as { getContext: unknown };
  proto.getContext = () =>
    new Proxy(
      {},
      {
        get: (_t, prop) => {
          if (prop === 'measureText') return () => ({ width: 10 });
          if (prop === 'canvas') return document.createElement('canvas');
          return () => {};
        },
        set: () => true,
      },
    );
  class NoopObserver {
    observe() {}
    unobserve() {}
    disconnect() {}
    takeRecords() {
      return [];
    }
  }
  const g = globalThis as Record<string, unknown>;
  g.Path2D ??= class {
    moveTo() {}
    lineTo() {}
    rect() {}
    arc() {}
    closePath() {}
    bezierCurveTo() {}
    quadraticCurveTo() {}
    addPath() {}
  };
  g.ResizeObserver ??= NoopObserver;
  g.IntersectionObserver ??= NoopObserver;
}
