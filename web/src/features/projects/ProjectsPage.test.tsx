// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Project } from '../../api/types';
import { meAs, renderApp, resetHarness } from '../../test/app-harness';
import { FakeServer } from '../../test/fake-server';
import { ProjectsPage } from './ProjectsPage';

const T = '2026-01-10T12:00:00Z';
function project(over: Partial<Project> = {}): Project {
  return {
    id: 'p1',
    tenant: 't1',
    name: 'Apollo',
    description: 'moon',
    status: 'active',
    members: ['u1', 'u2'],
    created_at: T,
    updated_at: T,
    ...over,
  };
}

let restore = () => {};
beforeEach(() => resetHarness());
afterEach(() => {
  cleanup();
  restore();
});

function setup(srv: FakeServer, role: 'viewer' | 'editor' = 'editor') {
  const r = renderApp(<ProjectsPage />, srv, { me: meAs(role) });
  restore = r.restore;
}

const type = (el: HTMLElement, value: string) => fireEvent.change(el, { target: { value } });

describe('projects page', () => {
  it('is read-only for a viewer', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/projects', { body: { items: [project()] } });
    setup(srv, 'viewer');
    expect(await screen.findByText('Apollo')).toBeTruthy();
    expect(screen.getByText(/2 members/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'New project' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Edit/ })).toBeNull();
  });

  it('shows the empty state, then an error with retry', async () => {
    const srv = new FakeServer();
    srv.on(
      'GET',
      '/api/v1/projects',
      { status: 500, body: { error: { code: 'internal', message: 'boom' } } },
      { body: { items: [] } },
    );
    setup(srv);
    expect((await screen.findByRole('alert')).textContent).toContain('boom');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('No projects yet')).toBeTruthy();
  });

  it('validates and creates a project', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/projects', { body: { items: [] } });
    srv.on('POST', '/api/v1/projects', (req) => ({
      status: 201,
      body: project({ ...(req.body as Partial<Project>), id: 'p9', members: [] }),
    }));
    setup(srv);
    await screen.findByText('No projects yet');
    fireEvent.click(screen.getByRole('button', { name: 'New project' }));
    const dialog = screen.getByRole('dialog', { name: 'New project' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create project' }));
    expect(within(dialog).getByText('Give the project a name.')).toBeTruthy();
    expect(srv.made('POST', '/api/v1/projects')).toHaveLength(0);
    type(within(dialog).getByLabelText('Name'), 'Gemini ');
    type(within(dialog).getByLabelText('Description'), 'two');
    fireEvent.change(within(dialog).getByLabelText('Status'), { target: { value: 'paused' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create project' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(srv.made('POST', '/api/v1/projects')[0]?.body).toEqual({
      name: 'Gemini',
      description: 'two',
      status: 'paused',
    });
    expect(screen.getByText('Gemini')).toBeTruthy();
  });

  it('renames a project, sending only the changed fields', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/projects', { body: { items: [project()] } });
    srv.on('GET', '/api/v1/projects/p1', { body: project() });
    srv.on('PATCH', '/api/v1/projects/p1', (req) => ({ body: project(req.body as Partial<Project>) }));
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “Apollo”' }));
    const dialog = screen.getByRole('dialog');
    type(within(dialog).getByLabelText('Name'), 'Apollo 11');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save project' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(srv.made('PATCH', '/api/v1/projects/p1')[0]?.body).toEqual({ name: 'Apollo 11' });
    expect(screen.getByText('Apollo 11')).toBeTruthy();
  });

  it('stops an edit of a project changed meanwhile', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/projects', { body: { items: [project()] } });
    srv.on('GET', '/api/v1/projects/p1', {
      body: project({ name: 'Apollo X', status: 'archived', updated_at: '2026-01-10T13:00:00Z' }),
    });
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “Apollo”' }));
    const dialog = screen.getByRole('dialog');
    type(within(dialog).getByLabelText('Description'), 'sun');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save project' }));
    const msg = await within(dialog).findByText(/Someone else changed this project/);
    expect(msg.textContent).toContain('Apollo X');
    expect(srv.made('PATCH', '/api/v1/projects/p1')).toHaveLength(0);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Load their version' }));
    expect((within(dialog).getByLabelText('Name') as HTMLInputElement).value).toBe('Apollo X');
  });

  it('deletes a project after confirmation', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/projects', { body: { items: [project()] } });
    srv.on('DELETE', '/api/v1/projects/p1', { status: 204 });
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete “Apollo”' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete the project “Apollo”?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(srv.made('DELETE', '/api/v1/projects/p1')).toHaveLength(0);
    fireEvent.click(screen.getByRole('button', { name: 'Delete “Apollo”' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete project' }));
    await waitFor(() => expect(screen.queryByText('Apollo')).toBeNull());
    expect(srv.made('DELETE', '/api/v1/projects/p1')).toHaveLength(1);
  });
});
