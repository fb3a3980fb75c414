// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { AlertRule } from '../../api/types';
import { meAs, renderApp, setupAppHarness } from '../../test/app-harness';
import { FakeServer } from '../../test/fake-server';
import { AlertRulesPage } from './AlertRulesPage';

const T = '2026-01-10T12:00:00Z';

function rule(over: Partial<AlertRule> = {}): AlertRule {
  return {
    id: 'r1',
    tenant: 't1',
    name: 'CPU hot',
    metric_code: 'cpu.usage',
    labels: { host: 'web1' },
    comparison: 'gt',
    threshold: 90,
    for: '2m',
    severity: 'critical',
    recipients: { roles: ['admin'] },
    enabled: true,
    version: 3,
    created_at: T,
    updated_at: T,
    ...over,
  };
}

setupAppHarness();

function setup(srv: FakeServer, role: 'viewer' | 'editor' | 'admin' = 'editor') {
  srv.on('GET', '/api/v1/metrics', {
    body: { items: [{ tenant: 't1', code: 'cpu.usage', name: 'CPU', unit: 'percent' }] },
  });
  return renderApp(<AlertRulesPage />, srv, { me: meAs(role) });
}

const field = (dialog: HTMLElement, name: string | RegExp) =>
  within(dialog).getByLabelText(name) as HTMLInputElement;
const type = (el: HTMLElement, value: string) => fireEvent.change(el, { target: { value } });

describe('alert rules', () => {
  it('shows rules read-only to a viewer', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/alert-rules', {
      body: {
        items: [
          rule(),
          rule({ id: 'r2', name: 'Disk', metric_code: 'disk.used', labels: {}, enabled: false }),
        ],
      },
    });
    setup(srv, 'viewer');
    expect(await screen.findByText('CPU hot')).toBeTruthy();
    expect(screen.getByText('cpu.usage {host=web1} > 90 for 2m')).toBeTruthy();
    expect(screen.getByText('disabled')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'New rule' })).toBeNull();
    expect(screen.queryByRole('button', { name: /Edit/ })).toBeNull();
    expect(screen.queryByRole('button', { name: /Delete/ })).toBeNull();
  });

  it('shows the empty and error states', async () => {
    const srv = new FakeServer();
    srv.on(
      'GET',
      '/api/v1/alert-rules',
      { status: 500, body: { error: { code: 'internal', message: 'database is down' } } },
      { body: { items: [] } },
    );
    setup(srv);
    expect((await screen.findByRole('alert')).textContent).toContain('database is down');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('No alert rules yet')).toBeTruthy();
  });

  it('validates, then creates a rule with the right body', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [] } });
    srv.on('POST', '/api/v1/alert-rules', (req) => ({
      status: 201,
      body: rule({ ...(req.body as Partial<AlertRule>), id: 'r9' }),
    }));
    setup(srv);
    await screen.findByText('No alert rules yet');
    fireEvent.click(screen.getByRole('button', { name: 'New rule' }));
    const dialog = screen.getByRole('dialog', { name: 'New alert rule' });
    type(field(dialog, 'For at least'), 'soon');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add label' }));
    type(field(dialog, 'Label 1 name'), 'bad name');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create rule' }));
    expect(within(dialog).getByText('Give the rule a name.')).toBeTruthy();
    expect(within(dialog).getByText('Pick or type a metric code.')).toBeTruthy();
    expect(within(dialog).getByText('Enter a number.')).toBeTruthy();
    expect(within(dialog).getByText(/Enter a duration/)).toBeTruthy();
    expect(within(dialog).getByText(/A name has letters, digits/)).toBeTruthy();
    expect(field(dialog, 'Name').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(field(dialog, 'Name'));
    expect(srv.made('POST', '/api/v1/alert-rules')).toHaveLength(0);

    type(field(dialog, 'Name'), ' Web CPU ');
    type(field(dialog, 'Metric code'), 'cpu.usage');
    expect(within(dialog).getByText('Unit: percent')).toBeTruthy();
    fireEvent.change(field(dialog, 'Fires when the value is'), { target: { value: 'gte' } });
    type(field(dialog, 'Threshold'), '85.5');
    type(field(dialog, 'For at least'), '90s');
    fireEvent.change(field(dialog, 'Severity'), { target: { value: 'critical' } });
    type(field(dialog, 'Label 1 name'), 'host');
    type(field(dialog, 'Label 1 value'), 'web1');
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'editor' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create rule' }));

    await waitFor(() => expect(srv.made('POST', '/api/v1/alert-rules')).toHaveLength(1));
    expect(srv.made('POST', '/api/v1/alert-rules')[0]?.body).toEqual({
      name: 'Web CPU',
      metric_code: 'cpu.usage',
      labels: { host: 'web1' },
      comparison: 'gte',
      threshold: 85.5,
      for: '1m30s',
      severity: 'critical',
      recipients: { roles: ['admin'] },
      enabled: true,
    });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByText('Web CPU')).toBeTruthy();
  });

  it('shows the fields the server refused', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [] } });
    srv.on('POST', '/api/v1/alert-rules', {
      status: 400,
      body: {
        error: {
          code: 'bad_request',
          message: 'recipients.roles: "x" is not one of admin, editor, viewer',
          fields: { 'recipients.roles': '"x" is not one of admin, editor, viewer' },
        },
      },
    });
    setup(srv);
    await screen.findByText('No alert rules yet');
    fireEvent.click(screen.getByRole('button', { name: 'New rule' }));
    const dialog = screen.getByRole('dialog');
    type(field(dialog, 'Name'), 'R');
    type(field(dialog, 'Metric code'), 'free.text.code');
    type(field(dialog, 'Threshold'), '1');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create rule' }));
    expect(await within(dialog).findByText('"x" is not one of admin, editor, viewer')).toBeTruthy();
    expect(srv.made('POST', '/api/v1/alert-rules')[0]?.body).toMatchObject({ metric_code: 'free.text.code' });
  });

  it('edits a rule, sending only the changed fields and the version it was opened with', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } });
    srv.on('PATCH', '/api/v1/alert-rules/r1', (req) => ({
      body: rule({ ...(req.body as Partial<AlertRule>), version: 4, updated_at: '2026-01-10T13:00:00Z' }),
    }));
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “CPU hot”' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit rule “CPU hot”' });
    expect(field(dialog, 'Label 1 value').value).toBe('web1');
    type(field(dialog, 'Threshold'), '95');
    type(field(dialog, 'Label 1 value'), 'web2');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save rule' }));
    await waitFor(() => expect(srv.made('PATCH', '/api/v1/alert-rules/r1')).toHaveLength(1));
    const patch = srv.made('PATCH', '/api/v1/alert-rules/r1')[0];
    expect(patch?.body).toEqual({ threshold: 95, labels: { host: 'web2' }, version: 3 });
    expect(patch?.headers.get('X-Livedash-CSRF')).toBe('1');
    expect(await screen.findByText('cpu.usage {host=web2} > 95 for 2m')).toBeTruthy();
    // The server checks the version: nothing is read again before saving.
    expect(srv.made('GET', '/api/v1/alert-rules')).toHaveLength(1);
    expect(srv.made('GET', '/api/v1/alert-rules/r1')).toHaveLength(0);
  });

  it('shows a 409 with their version, then saves over it with the current version when asked', async () => {
    const srv = new FakeServer();
    const theirs = rule({
      name: 'CPU very hot',
      threshold: 99,
      version: 4,
      updated_at: '2026-01-10T12:30:00Z',
    });
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } }, { body: { items: [theirs] } });
    srv.on('GET', '/api/v1/alert-rules/r1', { body: theirs });
    // The server's check: only the current version (4) is accepted.
    srv.on('PATCH', '/api/v1/alert-rules/r1', (req) => {
      const b = req.body as Partial<AlertRule>;
      if (b.version !== 4)
        return {
          status: 409,
          body: {
            error: {
              code: 'conflict',
              message: 'alert rule r1 was changed by someone else',
              current_version: 4,
            },
          },
        };
      return { body: { ...theirs, ...b, version: 5 } };
    });
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “CPU hot”' }));
    const dialog = screen.getByRole('dialog');
    type(field(dialog, 'Threshold'), '80');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save rule' }));
    const box = await within(dialog).findByText(/someone else changed this rule since you opened it/);
    expect(box.textContent).toContain('Now (version 4): “CPU very hot”, cpu.usage {host=web1} > 99 for 2m');
    expect(box.textContent).toContain('not saved');
    expect(srv.made('PATCH', '/api/v1/alert-rules/r1')[0]?.body).toEqual({ threshold: 80, version: 3 });
    expect(srv.made('GET', '/api/v1/alert-rules/r1')).toHaveLength(1);
    // The list behind the dialog shows their version.
    expect(await screen.findByText('CPU very hot')).toBeTruthy();

    fireEvent.click(within(dialog).getByRole('button', { name: 'Save mine over it' }));
    await waitFor(() => expect(srv.made('PATCH', '/api/v1/alert-rules/r1')).toHaveLength(2));
    // Against their version: my threshold and my (old) name win, based on the current version.
    expect(srv.made('PATCH', '/api/v1/alert-rules/r1')[1]?.body).toEqual({
      name: 'CPU hot',
      threshold: 80,
      version: 4,
    });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByText('cpu.usage {host=web1} > 80 for 2m')).toBeTruthy();
  });

  it('loads their version when asked after a conflict, and saves based on it', async () => {
    const srv = new FakeServer();
    const theirs = rule({ threshold: 99, version: 4, updated_at: '2026-01-10T12:30:00Z' });
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } }, { body: { items: [theirs] } });
    srv.on('GET', '/api/v1/alert-rules/r1', { body: theirs });
    srv.on(
      'PATCH',
      '/api/v1/alert-rules/r1',
      { status: 409, body: { error: { code: 'conflict', message: 'changed', current_version: 4 } } },
      (req) => ({ body: { ...theirs, ...(req.body as object), version: 5 } }),
    );
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “CPU hot”' }));
    const dialog = screen.getByRole('dialog');
    type(field(dialog, 'Threshold'), '80');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save rule' }));
    fireEvent.click(await within(dialog).findByRole('button', { name: 'Load their version' }));
    expect(field(dialog, 'Threshold').value).toBe('99');
    expect(srv.made('PATCH', '/api/v1/alert-rules/r1')).toHaveLength(1);
    type(field(dialog, 'Name'), 'CPU hotter');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save rule' }));
    await waitFor(() => expect(srv.made('PATCH', '/api/v1/alert-rules/r1')).toHaveLength(2));
    expect(srv.made('PATCH', '/api/v1/alert-rules/r1')[1]?.body).toEqual({ name: 'CPU hotter', version: 4 });
  });

  it('says so when the rule was deleted meanwhile', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } }, { body: { items: [] } });
    srv.on('PATCH', '/api/v1/alert-rules/r1', {
      status: 404,
      body: { error: { code: 'not_found', message: 'alert rule r1 not found' } },
    });
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “CPU hot”' }));
    const dialog = screen.getByRole('dialog');
    type(field(dialog, 'Name'), 'x');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save rule' }));
    expect(await within(dialog).findByText(/was deleted by someone else/)).toBeTruthy();
    expect(within(dialog).queryByRole('button', { name: 'Save mine over it' })).toBeNull();
    await waitFor(() => expect(srv.made('GET', '/api/v1/alert-rules')).toHaveLength(2));
  });

  it('says so when a 409 is followed by the rule being gone', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } }, { body: { items: [] } });
    srv.on('PATCH', '/api/v1/alert-rules/r1', {
      status: 409,
      body: { error: { code: 'conflict', message: 'changed', current_version: 4 } },
    });
    srv.on('GET', '/api/v1/alert-rules/r1', {
      status: 404,
      body: { error: { code: 'not_found', message: 'alert rule r1 not found' } },
    });
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “CPU hot”' }));
    const dialog = screen.getByRole('dialog');
    type(field(dialog, 'Name'), 'x');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save rule' }));
    expect(await within(dialog).findByText(/was deleted by someone else/)).toBeTruthy();
  });

  it('disables and deletes a rule after confirmation, with the version shown', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } });
    srv.on('PATCH', '/api/v1/alert-rules/r1', { body: rule({ enabled: false, version: 4 }) });
    srv.on(
      'DELETE',
      '/api/v1/alert-rules/r1',
      { status: 500, body: { error: { code: 'internal', message: 'try later' } } },
      { status: 204 },
    );
    setup(srv, 'admin');
    fireEvent.click(await screen.findByRole('button', { name: 'Disable “CPU hot”' }));
    expect(await screen.findByRole('button', { name: 'Enable “CPU hot”' })).toBeTruthy();
    expect(srv.made('PATCH', '/api/v1/alert-rules/r1')[0]?.body).toEqual({ enabled: false, version: 3 });

    fireEvent.click(screen.getByRole('button', { name: 'Delete “CPU hot”' }));
    const confirm = screen.getByRole('dialog', { name: 'Delete the rule “CPU hot”?' });
    expect(document.activeElement?.textContent).toBe('Cancel');
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete rule' }));
    expect(await within(confirm).findByText('try later')).toBeTruthy();
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete rule' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.queryByText('CPU hot')).toBeNull();
    const deletes = srv.made('DELETE', '/api/v1/alert-rules/r1');
    expect(deletes).toHaveLength(2);
    // The version after the toggle (4), not the one first loaded.
    expect(deletes.map((d) => d.headers.get('If-Match'))).toEqual(['"4"', '"4"']);
  });

  it('explains a toggle refused as stale and reloads the list', async () => {
    const srv = new FakeServer();
    const theirs = rule({ threshold: 99, version: 4 });
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } }, { body: { items: [theirs] } });
    srv.on('PATCH', '/api/v1/alert-rules/r1', {
      status: 409,
      body: { error: { code: 'conflict', message: 'changed', current_version: 4 } },
    });
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Disable “CPU hot”' }));
    expect(await screen.findByText('“CPU hot” was changed by someone else')).toBeTruthy();
    expect(await screen.findByText('cpu.usage {host=web1} > 99 for 2m')).toBeTruthy();
    expect(srv.made('PATCH', '/api/v1/alert-rules/r1')[0]?.body).toEqual({ enabled: false, version: 3 });
  });

  it('does not delete a rule changed since the dialog opened: shows it as it is now and asks again', async () => {
    const srv = new FakeServer();
    const theirs = rule({ threshold: 50, version: 4 });
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } });
    srv.on('GET', '/api/v1/alert-rules/r1', { body: theirs });
    srv.on('DELETE', '/api/v1/alert-rules/r1', (req) =>
      req.headers.get('If-Match') === '"4"'
        ? { status: 204 }
        : {
            status: 409,
            body: { error: { code: 'conflict', message: 'changed', current_version: 4 } },
          },
    );
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete “CPU hot”' }));
    const confirm = screen.getByRole('dialog', { name: 'Delete the rule “CPU hot”?' });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete rule' }));
    const msg = await within(confirm).findByText(/Someone else changed this rule/);
    expect(msg.textContent).toContain('now version 4: cpu.usage {host=web1} > 50 for 2m)');
    expect(msg.textContent).toContain('not deleted');
    // The list shows the current rule too.
    expect(within(screen.getByRole('list')).getByText('cpu.usage {host=web1} > 50 for 2m')).toBeTruthy();
    expect(srv.made('DELETE', '/api/v1/alert-rules/r1')[0]?.headers.get('If-Match')).toBe('"3"');

    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete rule' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.queryByText('CPU hot')).toBeNull();
    expect(srv.made('DELETE', '/api/v1/alert-rules/r1')[1]?.headers.get('If-Match')).toBe('"4"');
  });
});
