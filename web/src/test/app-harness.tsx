// Renders a piece of the logged-in app for tests: the REST API on a FakeServer, the realtime
// connection on a FakeWebSocket, and the providers the screens need.

import { act, cleanup, render, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach } from 'vitest';
import { configureApi } from '../api/client';
import type { Me, Role } from '../api/types';
import { AuthProvider, useAuth } from '../context/auth';
import { LiveControlsProvider } from '../context/live';
import { ToastProvider } from '../context/toasts';
import { RealtimeProvider } from '../realtime/react';
import { FakeWebSocket, FakeWebSocketCtor, IMPLICIT } from '../realtime/test-fakes';
import type { ChannelPosition } from '../realtime/types';
import { FakeServer } from './fake-server';

export const ME: Me = {
  principal: { id: 'u1', tenant: 't1', roles: ['admin'] },
  user: {
    id: 'u1',
    tenant: 't1',
    email: 'ada@acme.test',
    display_name: 'Ada',
    roles: ['admin'],
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
  },
  tenant: { id: 't1', name: 'ACME', created_at: '2026-01-01T00:00:00Z' },
  unread_notifications: 2,
};

export const BOB = { ...ME.user, id: 'u2', email: 'bob@acme.test', display_name: 'Bob' };

function Gate({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  return status === 'authenticated' ? children : null;
}

/** ME with other roles (its user too), e.g. meAs('viewer'). */
export function meAs(...roles: Role[]): Me {
  return {
    ...ME,
    principal: { ...ME.principal, roles },
    user: ME.user ? { ...ME.user, roles } : null,
  };
}

/** `me`: who is logged in (default ME, an admin). */
export function renderApp(ui: ReactNode, srv: FakeServer = new FakeServer(), { me = ME }: { me?: Me } = {}) {
  srv.on('GET', '/api/v1/me', { body: me });
  srv.on('GET', '/api/v1/users', { body: { items: [ME.user, BOB] } });
  const restore = configureApi({ fetch: srv.fetch, baseUrl: '', token: undefined });
  restores.push(restore);
  const utils = render(
    <ToastProvider>
      <AuthProvider>
        <Gate>
          <RealtimeProvider
            options={{ url: 'http://srv.test', WebSocket: FakeWebSocketCtor, rttIntervalMs: 0 }}
          >
            <LiveControlsProvider>{ui}</LiveControlsProvider>
          </RealtimeProvider>
        </Gate>
      </AuthProvider>
    </ToastProvider>,
  );
  return { ...utils, srv, restore };
}

const CANONICAL: Record<string, string> = {
  metrics: 'metrics.t1',
  system: 'system.t1',
  alerts: 'alerts.u1',
  notifications: 'notifications.u1',
  dashboard: 'dashboard.u1',
};

/** The canonical channel of a short name, as the server resolves it for u1 of t1. */
export const canonical = (name: string) => CANONICAL[name] ?? name.replace(':', '.');

/**
 * Waits for the connection (it opens asynchronously), welcomes it, and answers its subscribes;
 * `channels` are the short names that must have been asked for before answering.
 */
export async function goLive(channels: string[] = []): Promise<FakeWebSocket> {
  const ws = await waitFor(() => FakeWebSocket.last());
  act(() => {
    if (ws.readyState !== 1) ws.welcome(IMPLICIT);
  });
  await waitFor(() => {
    const asked = new Set(ws.commands().flatMap((c) => (c.type === 'subscribe' ? c.channels : [])));
    for (const c of channels) if (!asked.has(c)) throw new Error(`no subscribe for ${c} yet`);
  });
  answerSubscribes(ws);
  return ws;
}

const answered = new WeakMap<FakeWebSocket, Set<number>>();

/** Answers the subscribes not answered yet; `lost` answers as after a server restart. */
export function answerSubscribes(ws: FakeWebSocket, lost = false): void {
  const done = answered.get(ws) ?? new Set<number>();
  answered.set(ws, done);
  act(() => {
    for (const c of ws.commands()) {
      if (c.type !== 'subscribe' || c.id === undefined || done.has(c.id)) continue;
      done.add(c.id);
      const channels: ChannelPosition[] = c.channels.map((name) => ({
        name,
        channel: canonical(name),
        seq: 0,
        epoch: lost ? 'e2' : 'e1',
        ...(lost ? { recovered: false } : {}),
      }));
      ws.receive({ type: 'subscribed', id: c.id, channels });
    }
  });
}

const seqs = new Map<string, number>();

/** Delivers events in one frame, each on a channel (short name) with that channel's next seq. */
export function emitFrame(
  ws: FakeWebSocket,
  ...events: Array<[name: string, event: string, data: unknown]>
): void {
  const msgs = events.map(([name, event, data]) => {
    const channel = canonical(name);
    const seq = (seqs.get(channel) ?? 0) + 1;
    seqs.set(channel, seq);
    return { type: 'event' as const, channel, event, seq, ts: new Date().toISOString(), data };
  });
  act(() => {
    ws.receive(...msgs);
  });
}

/** Delivers an event on a channel (short name), with the next seq of that channel. */
export function emit(ws: FakeWebSocket, name: string, event: string, data: unknown): void {
  emitFrame(ws, [name, event, data]);
}

export function resetHarness(): void {
  seqs.clear();
  FakeWebSocket.reset();
}

/** The API configurations that renderApp replaced, to put back after the test. */
const restores: (() => void)[] = [];

/**
 * The hooks of a test file that renders the app: a fresh harness before each test; after it, the
 * DOM cleaned up, the API configured as before its renderApp calls and, with `resetUrl`, the
 * address back at / (for screens that navigate).
 */
export function setupAppHarness({ resetUrl = false }: { resetUrl?: boolean } = {}): void {
  beforeEach(() => resetHarness());
  afterEach(() => {
    cleanup();
    for (const restore of restores.splice(0).reverse()) restore();
    if (resetUrl) history.replaceState(null, '', '/');
  });
}
