// Live controls shared by the widgets: pause (the display freezes, data is still collected and
// shown at once on resume) and refresh (every view reloads its data over REST).

import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';

interface LiveControls {
  paused: boolean;
  setPaused(p: boolean): void;
  /** Grows on each refresh(): views reload when it changes. */
  refreshKey: number;
  refresh(): void;
}

const LiveContext = createContext<LiveControls>({
  paused: false,
  setPaused: () => {},
  refreshKey: 0,
  refresh: () => {},
});

export function LiveControlsProvider({ children }: { children: ReactNode }) {
  const [paused, setPaused] = useState(false);
  const [refreshKey, setRefreshKey] = useState(0);
  const value = useMemo(
    () => ({ paused, setPaused, refreshKey, refresh: () => setRefreshKey((k) => k + 1) }),
    [paused, refreshKey],
  );
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export const useLiveControls = () => useContext(LiveContext);
