// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertRule } from '../../api/types';
import { meAs, renderApp, resetHarness } from '../../test/app-harness';
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

function setup(srv: FakeServer, role: 'viewer' | 'editor' | 'admin' = 'editor') {
  srv.on('GET', '/api/v1/metrics', {
    body: { items: [{ tenant: 't1', code: 'cpu.usage', name: 'CPU', unit: 'percent' }] },
  });
  const r = renderApp(<AlertRulesPage />, srv, { me: meAs(role) });
  restore = r.restore;
  return r;
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

  it('edits a rule, sending only the changed fields', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } });
    srv.on('PATCH', '/api/v1/alert-rules/r1', (req) => ({
      body: rule({ ...(req.body as Partial<AlertRule>), updated_at: '2026-01-10T13:00:00Z' }),
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
    expect(patch?.body).toEqual({ threshold: 95, labels: { host: 'web2' } });
    expect(patch?.headers.get('X-Livedash-CSRF')).toBe('1');
    expect(await screen.findByText('cpu.usage {host=web2} > 95 for 2m')).toBeTruthy();
  });

  it('stops an edit of a rule changed meanwhile, then saves over it when asked', async () => {
    const srv = new FakeServer();
    const theirs = rule({ name: 'CPU very hot', threshold: 99, updated_at: '2026-01-10T12:30:00Z' });
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } }, { body: { items: [theirs] } });
    srv.on('PATCH', '/api/v1/alert-rules/r1', (req) => ({ body: { ...theirs, ...(req.body as object) } }));
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “CPU hot”' }));
    const dialog = screen.getByRole('dialog');
    type(field(dialog, 'Threshold'), '80');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save rule' }));
    const box = await within(dialog).findByText(/Someone else changed this rule/);
    expect(box.textContent).toContain('not saved');
    expect(srv.made('PATCH', '/api/v1/alert-rules/r1')).toHaveLength(0);
    // The list behind the dialog shows their version.
    expect(await screen.findByText('CPU very hot')).toBeTruthy();

    fireEvent.click(within(dialog).getByRole('button', { name: 'Save mine over it' }));
    await waitFor(() => expect(srv.made('PATCH', '/api/v1/alert-rules/r1')).toHaveLength(1));
    // Against their version: my threshold and my (old) name win.
    expect(srv.made('PATCH', '/api/v1/alert-rules/r1')[0]?.body).toEqual({ name: 'CPU hot', threshold: 80 });
  });

  it('loads their version when asked after a conflict', async () => {
    const srv = new FakeServer();
    const theirs = rule({ threshold: 99, updated_at: '2026-01-10T12:30:00Z' });
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } }, { body: { items: [theirs] } });
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “CPU hot”' }));
    const dialog = screen.getByRole('dialog');
    type(field(dialog, 'Threshold'), '80');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save rule' }));
    fireEvent.click(await within(dialog).findByRole('button', { name: 'Load their version' }));
    expect(field(dialog, 'Threshold').value).toBe('99');
    expect(srv.made('PATCH', '/api/v1/alert-rules/r1')).toHaveLength(0);
  });

  it('explains a 409 from the server and reloads the list', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } });
    srv.on('PATCH', '/api/v1/alert-rules/r1', {
      status: 409,
      body: { error: { code: 'conflict', message: 'alert rule r1 was changed by someone else' } },
    });
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “CPU hot”' }));
    const dialog = screen.getByRole('dialog');
    type(field(dialog, 'Name'), 'CPU warm');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save rule' }));
    const msg = await within(dialog).findByText(/refused the change as a conflict/);
    expect(msg.textContent).toContain('alert rule r1 was changed by someone else');
    // first load, the check before saving, and the reload after the 409
    await waitFor(() => expect(srv.made('GET', '/api/v1/alert-rules')).toHaveLength(3));
  });

  it('says so when the rule was deleted meanwhile', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } }, { body: { items: [] } });
    setup(srv);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit “CPU hot”' }));
    const dialog = screen.getByRole('dialog');
    type(field(dialog, 'Name'), 'x');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save rule' }));
    expect(await within(dialog).findByText(/was deleted by someone else/)).toBeTruthy();
    expect(srv.made('PATCH', '/api/v1/alert-rules/r1')).toHaveLength(0);
  });

  it('disables and deletes a rule after confirmation', async () => {
    const srv = new FakeServer();
    srv.on('GET', '/api/v1/alert-rules', { body: { items: [rule()] } });
    srv.on('PATCH', '/api/v1/alert-rules/r1', { body: rule({ enabled: false }) });
    srv.on(
      'DELETE',
      '/api/v1/alert-rules/r1',
      { status: 500, body: { error: { code: 'internal', message: 'try later' } } },
      { status: 204 },
    );
    setup(srv, 'admin');
    fireEvent.click(await screen.findByRole('button', { name: 'Disable “CPU hot”' }));
    expect(await screen.findByRole('button', { name: 'Enable “CPU hot”' })).toBeTruthy();
    expect(srv.made('PATCH', '/api/v1/alert-rules/r1')[0]?.body).toEqual({ enabled: false });

    fireEvent.click(screen.getByRole('button', { name: 'Delete “CPU hot”' }));
    const confirm = screen.getByRole('dialog', { name: 'Delete the rule “CPU hot”?' });
    expect(document.activeElement?.textContent).toBe('Cancel');
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete rule' }));
    expect(await within(confirm).findByText('try later')).toBeTruthy();
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete rule' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.queryByText('CPU hot')).toBeNull();
    expect(srv.made('DELETE', '/api/v1/alert-rules/r1')).toHaveLength(2);
  });
});
