// Records for tests, with plain defaults; a test overrides what it is about.

import type { Dashboard } from '../api/types';

export const T = '2026-01-10T12:00:00Z';

/** The dashboard d1, "Ops", shared, owned by u1, at version 1. */
export function dashboard(over: Partial<Dashboard> = {}): Dashboard {
  return {
    id: 'd1',
    tenant: 't1',
    owner_id: 'u1',
    name: 'Ops',
    description: '',
    layout: { columns: 12 },
    visibility: 'shared',
    version: 1,
    created_at: T,
    updated_at: T,
    ...over,
  };
}
