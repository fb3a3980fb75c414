// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Project } from '../../api/types';
import { emit, goLive, meAs, renderApp, setupAppHarness } from '../../test/app-harness';
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
    version: 2,
    created_at: T,
    updated_at: T,
    ...over,
  };
}

setupAppHarness();

function setup(srv: FakeServer, role: 'viewer' | 'editor' = 'editor') {
  renderApp(<ProjectsPage />, srv, { me: meAs(role) });
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

  it('renames a project, sending only the changed fields and the version it was opened with', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/projects', { body: { items: [project()] } });
    srv.on('PATCH', '/api/v1/projects/p1', (req) => ({
      body: project({ ...(req.body as Partial<Project>), version: 3 }),
    }));
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “Apollo”' }));
    const dialog = screen.getByRole('dialog');
    type(within(dialog).getByLabelText('Name'), 'Apollo 11');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save project' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(srv.made('PATCH', '/api/v1/projects/p1')[0]?.body).toEqual({ name: 'Apollo 11', version: 2 });
    expect(screen.getByText('Apollo 11')).toBeTruthy();
    // The server checks the version: nothing is read again before saving.
    expect(srv.made('GET', '/api/v1/projects/p1')).toHaveLength(0);
  });

  it('shows a 409 with their version, and saves over it with the current version when asked', async () => {
    const srv = new FakeServer();
    const theirs = project({ name: 'Apollo X', status: 'archived', members: ['u1'], version: 3 });
    srv.on('GET', '/api/v1/projects', { body: { items: [project()] } }, { body: { items: [theirs] } });
    srv.on('GET', '/api/v1/projects/p1', { body: theirs });
    // The server's check: only the current version (3) is accepted.
    srv.on('PATCH', '/api/v1/projects/p1', (req) => {
      const b = req.body as Partial<Project>;
      if (b.version !== 3)
        return {
          status: 409,
          body: {
            error: {
              code: 'conflict',
              message: 'project p1 was changed by someone else',
              current_version: 3,
            },
          },
        };
      return { body: { ...theirs, ...b, version: 4 } };
    });
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “Apollo”' }));
    const dialog = screen.getByRole('dialog');
    type(within(dialog).getByLabelText('Description'), 'sun');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save project' }));
    const msg = await within(dialog).findByText(/Someone else changed this project since you opened it/);
    expect(msg.textContent).toContain('now version 3: “Apollo X”, archived, 1 member)');
    expect(msg.textContent).toContain('not saved');
    expect(srv.made('PATCH', '/api/v1/projects/p1')[0]?.body).toEqual({ description: 'sun', version: 2 });
    // The list behind the dialog shows their version.
    expect(await screen.findByText('Apollo X')).toBeTruthy();

    fireEvent.click(within(dialog).getByRole('button', { name: 'Save mine over it' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    // Against their version: all my fields win, based on the current version.
    expect(srv.made('PATCH', '/api/v1/projects/p1')[1]?.body).toEqual({
      name: 'Apollo',
      description: 'sun',
      status: 'active',
      version: 3,
    });
    expect(screen.getByText('sun')).toBeTruthy();
  });

  it('loads their version when asked after a conflict', async () => {
    const srv = new FakeServer();
    const theirs = project({ name: 'Apollo X', status: 'archived', version: 3 });
    srv.on('GET', '/api/v1/projects', { body: { items: [project()] } });
    srv.on('GET', '/api/v1/projects/p1', { body: theirs });
    srv.on(
      'PATCH',
      '/api/v1/projects/p1',
      { status: 409, body: { error: { code: 'conflict', message: 'changed', current_version: 3 } } },
      (req) => ({ body: { ...theirs, ...(req.body as object), version: 4 } }),
    );
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “Apollo”' }));
    const dialog = screen.getByRole('dialog');
    type(within(dialog).getByLabelText('Description'), 'sun');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save project' }));
    fireEvent.click(await within(dialog).findByRole('button', { name: 'Load their version' }));
    expect((within(dialog).getByLabelText('Name') as HTMLInputElement).value).toBe('Apollo X');
    expect((within(dialog).getByLabelText('Status') as HTMLSelectElement).value).toBe('archived');
    fireEvent.change(within(dialog).getByLabelText('Status'), { target: { value: 'paused' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save project' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(srv.made('PATCH', '/api/v1/projects/p1')[1]?.body).toEqual({ status: 'paused', version: 3 });
  });

  it('says so when the project was deleted meanwhile', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/projects', { body: { items: [project()] } });
    srv.on('PATCH', '/api/v1/projects/p1', {
      status: 409,
      body: { error: { code: 'conflict', message: 'changed', current_version: 3 } },
    });
    srv.on('GET', '/api/v1/projects/p1', {
      status: 404,
      body: { error: { code: 'not_found', message: 'project p1 not found' } },
    });
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “Apollo”' }));
    const dialog = screen.getByRole('dialog');
    type(within(dialog).getByLabelText('Name'), 'x');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save project' }));
    expect(await within(dialog).findByText(/was deleted by someone else/)).toBeTruthy();
    expect(within(dialog).queryByRole('button', { name: 'Save mine over it' })).toBeNull();
  });

  it('deletes a project after confirmation, with the version shown', async () => {
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
    expect(srv.made('DELETE', '/api/v1/projects/p1')[0]?.headers.get('If-Match')).toBe('"2"');
  });

  it('does not delete a project changed since the dialog opened: shows it as it is now and asks again', async () => {
    const srv = new FakeServer();
    const theirs = project({ name: 'Apollo X', members: ['u1', 'u2', 'u3'], version: 3 });
    srv.on('GET', '/api/v1/projects', { body: { items: [project()] } });
    srv.on('GET', '/api/v1/projects/p1', { body: theirs });
    srv.on('DELETE', '/api/v1/projects/p1', (req) =>
      req.headers.get('If-Match') === '"3"'
        ? { status: 204 }
        : { status: 409, body: { error: { code: 'conflict', message: 'changed', current_version: 3 } } },
    );
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete “Apollo”' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete project' }));
    const confirm = await screen.findByRole('dialog', { name: 'Delete the project “Apollo X”?' });
    const msg = within(confirm).getByText(/Someone else changed this project/);
    expect(msg.textContent).toContain('version 3');
    expect(msg.textContent).toContain('now version 3: “Apollo X”, active, 3 members');
    expect(msg.textContent).toContain('not deleted');
    expect(srv.made('DELETE', '/api/v1/projects/p1')[0]?.headers.get('If-Match')).toBe('"2"');

    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete project' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.queryByText('Apollo X')).toBeNull();
    expect(srv.made('DELETE', '/api/v1/projects/p1')[1]?.headers.get('If-Match')).toBe('"3"');
  });
});

describe('projects page live', () => {
  it("follows the projects the user is a member of, and reads the list again on another's change", async () => {
    const srv = new FakeServer();
    srv.on(
      'GET',
      '/api/v1/projects',
      { body: { items: [project(), project({ id: 'p2', name: 'Gemini', members: ['u2'] })] } },
      {
        body: {
          items: [
            project({ name: 'Artemis', version: 3 }),
            project({ id: 'p2', name: 'Gemini', members: ['u2'] }),
          ],
        },
      },
    );
    setup(srv, 'editor');
    expect(await screen.findByText('Apollo')).toBeTruthy();
    const ws = await goLive(['project:p1']);
    const asked = ws.commands().flatMap((c) => (c.type === 'subscribe' ? c.channels : []));
    expect(asked).not.toContain('project:p2'); // not a member: the server would refuse it
    const lists = () => srv.made('GET', '/api/v1/projects').length;
    const before = lists();

    // An event we already reflect (same version) does not read the list again.
    emit(ws, 'project:p1', 'project_update', {
      project_id: 'p1',
      version: 2,
      name: 'Apollo',
      status: 'active',
      previous_status: 'active',
      by: 'u1',
    });
    expect(lists()).toBe(before);
    emit(ws, 'project:p1', 'project_update', {
      project_id: 'p1',
      version: 3,
      name: 'Artemis',
      previous_name: 'Apollo',
      status: 'active',
      previous_status: 'active',
      by: 'u2',
    });
    expect(await screen.findByText('Artemis')).toBeTruthy();
    expect(lists()).toBe(before + 1);
  });
});
