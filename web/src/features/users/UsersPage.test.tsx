// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { User } from '../../api/types';
import { meAs, renderApp, setupAppHarness } from '../../test/app-harness';
import { FakeServer } from '../../test/fake-server';
import { UsersPage } from './UsersPage';

setupAppHarness();

function setup(srv: FakeServer, role: 'viewer' | 'editor' | 'admin' = 'admin') {
  return renderApp(<UsersPage />, srv, { me: meAs(role) });
}

const type = (el: HTMLElement, value: string) => fireEvent.change(el, { target: { value } });

function fill(dialog: HTMLElement, { email = '', name = '', password = '' }) {
  type(within(dialog).getByLabelText('Email'), email);
  type(within(dialog).getByLabelText('Display name'), name);
  type(within(dialog).getByLabelText('Password'), password);
}

describe('users page', () => {
  it.each(['viewer', 'editor'] as const)('is closed to a %s, who does not load the list', async (role) => {
    const srv = new FakeServer();
    setup(srv, role);
    expect(await screen.findByText('Only admins manage users')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'New user' })).toBeNull();
    expect(srv.made('GET', '/api/v1/users')).toHaveLength(0);
  });

  it('lists the users of the tenant for an admin', async () => {
    setup(new FakeServer());
    const table = await screen.findByRole('table');
    expect(within(table).getByText('bob@acme.test')).toBeTruthy();
    expect(within(table).getByText('(you)')).toBeTruthy();
  });

  it('validates and creates a user with the right body', async () => {
    const srv = new FakeServer();
    const r = setup(srv);
    const created: User = {
      id: 'u3',
      tenant: 't1',
      email: 'cy@acme.test',
      display_name: 'Cy',
      roles: ['editor'],
      created_at: '2026-01-10T12:00:00Z',
      updated_at: '2026-01-10T12:00:00Z',
    };
    r.srv.on('POST', '/api/v1/users', { status: 201, body: created });
    await screen.findByRole('table');
    fireEvent.click(screen.getByRole('button', { name: 'New user' }));
    const dialog = screen.getByRole('dialog', { name: 'New user' });
    fill(dialog, { email: 'not-an-email', name: ' ', password: 'short' });
    fireEvent.click(within(dialog).getByRole('checkbox', { name: /^viewer/ }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create user' }));
    expect(within(dialog).getByText('This is not an email address.')).toBeTruthy();
    expect(within(dialog).getByText('Enter a display name.')).toBeTruthy();
    expect(within(dialog).getByText('At least 8 characters.')).toBeTruthy();
    expect(within(dialog).getByText('Pick at least one role.')).toBeTruthy();
    // The focus goes to the first field at fault.
    expect(document.activeElement).toBe(within(dialog).getByLabelText('Email'));
    expect(srv.made('POST', '/api/v1/users')).toHaveLength(0);

    fill(dialog, { email: ' cy@acme.test ', name: 'Cy', password: 'correct horse' });
    fireEvent.click(within(dialog).getByRole('checkbox', { name: /^editor/ }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create user' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(srv.made('POST', '/api/v1/users')[0]?.body).toEqual({
      email: 'cy@acme.test',
      display_name: 'Cy',
      password: 'correct horse',
      roles: ['editor'],
    });
    expect(within(screen.getByRole('table')).getByText('cy@acme.test')).toBeTruthy();
  });

  it('says when the email is taken (409)', async () => {
    const srv = new FakeServer();
    const r = setup(srv);
    r.srv.on('POST', '/api/v1/users', {
      status: 409,
      body: { error: { code: 'conflict', message: 'email bob@acme.test is taken' } },
    });
    await screen.findByRole('table');
    fireEvent.click(screen.getByRole('button', { name: 'New user' }));
    const dialog = screen.getByRole('dialog');
    fill(dialog, { email: 'bob@acme.test', name: 'Bob 2', password: 'long enough' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create user' }));
    expect(await within(dialog).findByText(/already exists in this tenant/)).toBeTruthy();
    expect(within(dialog).getByLabelText('Email').getAttribute('aria-invalid')).toBe('true');
  });

  it('shows an API error it cannot place on a field', async () => {
    const srv = new FakeServer();
    const r = setup(srv);
    r.srv.on('POST', '/api/v1/users', {
      status: 403,
      body: { error: { code: 'forbidden', message: 'admin role required' } },
    });
    await screen.findByRole('table');
    fireEvent.click(screen.getByRole('button', { name: 'New user' }));
    const dialog = screen.getByRole('dialog');
    fill(dialog, { email: 'dee@acme.test', name: 'Dee', password: 'long enough' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create user' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('admin role required');
  });
});
