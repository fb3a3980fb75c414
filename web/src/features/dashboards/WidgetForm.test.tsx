// @vitest-environment jsdom
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { MetricDefinition, Widget } from '../../api/types';
import { renderApp, setupAppHarness } from '../../test/app-harness';
import { FakeServer } from '../../test/fake-server';
import { WidgetForm } from './WidgetForm';

const T = '2026-01-10T12:00:00Z';
const defs: MetricDefinition[] = [
  { tenant: 't1', code: 'cpu.usage', name: 'CPU', unit: 'percent' },
  { tenant: 't1', code: 'net.rx', name: 'Net in', unit: 'bytes/s' },
];

const chart: Widget = {
  id: 'w1',
  tenant: 't1',
  dashboard_id: 'd1',
  type: 'timeseries',
  title: 'CPU',
  query: { codes: ['cpu.usage'], aggregation: 'max', range: '1h', labels: { host: 'web1', dc: 'eu' } },
  options: {},
  position: { x: 0, y: 0, w: 6, h: 4 },
  version: 2,
  created_at: T,
  updated_at: T,
};

setupAppHarness();

function setup(srv: FakeServer, widget?: Widget) {
  const onDone = vi.fn();
  const onDeleted = vi.fn();
  renderApp(
    <WidgetForm
      dashboardId="d1"
      widget={widget}
      defs={defs}
      place={(w, h) => ({ x: 0, y: 4, w, h })}
      onDone={onDone}
      onDeleted={onDeleted}
      onClose={() => {}}
    />,
    srv,
  );
  return { onDone, onDeleted };
}

const type = (el: HTMLElement, value: string) => fireEvent.change(el, { target: { value } });

describe('widget form labels', () => {
  it('adds a widget with query labels', async () => {
    const srv = new FakeServer();
    srv.on('POST', '/api/v1/dashboards/d1/widgets', (req) => ({
      status: 201,
      body: { ...chart, ...(req.body as object), id: 'w9' },
    }));
    const { onDone } = setup(srv);
    const dialog = await screen.findByRole('dialog', { name: 'Add a widget' });
    fireEvent.click(within(dialog).getByRole('checkbox', { name: /CPU/ }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add label' }));
    type(within(dialog).getByLabelText('Label 1 name'), 'host');
    type(within(dialog).getByLabelText('Label 1 value'), 'web1');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add label' }));
    // A blank row is left out.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add widget' }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect((srv.made('POST', '/api/v1/dashboards/d1/widgets')[0]?.body as Widget | undefined)?.query).toEqual(
      {
        codes: ['cpu.usage'],
        aggregation: 'avg',
        range: '15m',
        labels: { host: 'web1' },
      },
    );
  });

  it('refuses invalid labels', async () => {
    const srv = new FakeServer();
    setup(srv);
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('checkbox', { name: /CPU/ }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add label' }));
    type(within(dialog).getByLabelText('Label 1 name'), 'host name');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add label' }));
    type(within(dialog).getByLabelText('Label 2 value'), 'orphan');
    expect(within(dialog).getByText(/A name has letters, digits/)).toBeTruthy();
    expect(within(dialog).getByText('Give the label a name.')).toBeTruthy();
    expect(within(dialog).getByLabelText('Label 1 name').getAttribute('aria-invalid')).toBe('true');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add widget' }));
    expect(await within(dialog).findByText(/Fix the labels/)).toBeTruthy();
    expect(srv.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('edits the labels of a widget, and keeps them through a 409 overwrite', async () => {
    const srv = new FakeServer();
    srv.on(
      'PATCH',
      '/api/v1/widgets/w1',
      { status: 409, body: { error: { code: 'conflict', message: 'stale', current_version: 4 } } },
      (req) => ({ body: { ...chart, ...(req.body as object), version: 5 } }),
    );
    const { onDone } = setup(srv, chart);
    const dialog = await screen.findByRole('dialog', { name: 'Edit “CPU”' });
    // Sorted by name.
    expect((within(dialog).getByLabelText('Label 1 name') as HTMLInputElement).value).toBe('dc');
    expect((within(dialog).getByLabelText('Label 2 value') as HTMLInputElement).value).toBe('web1');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove label 1 (dc)' }));
    type(within(dialog).getByLabelText('Label 1 value'), 'web2');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    fireEvent.click(await within(dialog).findByRole('button', { name: 'Overwrite with mine' }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    const [first, second] = srv.made('PATCH', '/api/v1/widgets/w1');
    expect((first?.body as Widget | undefined)?.query).toEqual({
      codes: ['cpu.usage'],
      aggregation: 'max',
      range: '1h',
      labels: { host: 'web2' },
    });
    expect(second?.body).toMatchObject({ version: 4, query: { labels: { host: 'web2' } } });
  });

  it('clears the labels when every row is removed', async () => {
    const srv = new FakeServer();
    srv.on('PATCH', '/api/v1/widgets/w1', (req) => ({ body: { ...chart, ...(req.body as object) } }));
    const { onDone } = setup(srv, chart);
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove label 1 (dc)' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove label 1 (host)' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    const body = srv.made('PATCH', '/api/v1/widgets/w1')[0]?.body as Widget | undefined;
    expect(body?.query).toBeDefined();
    expect(body?.query.labels).toBeUndefined();
  });
});

describe('widget form delete', () => {
  it('asks first; keeping it deletes nothing, confirming deletes it', async () => {
    const srv = new FakeServer();
    srv.on('DELETE', '/api/v1/widgets/w1', { status: 204 });
    const { onDeleted } = setup(srv, chart);
    const dialog = await screen.findByRole('dialog', { name: 'Edit “CPU”' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete widget' }));
    expect(within(dialog).getByText('Delete “CPU”? This cannot be undone.')).toBeTruthy();
    const keep = within(dialog).getByRole('button', { name: 'Keep it' });
    expect(document.activeElement).toBe(keep);
    fireEvent.click(keep);
    expect(srv.made('DELETE', '/api/v1/widgets/w1')).toHaveLength(0);

    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete widget' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(onDeleted).toHaveBeenCalledWith('w1'));
    expect(srv.made('DELETE', '/api/v1/widgets/w1')).toHaveLength(1);
    expect(srv.made('DELETE', '/api/v1/widgets/w1')[0]?.headers.get('If-Match')).toBe('"2"');
  });

  it('does not delete a widget changed since the form opened, unless told to', async () => {
    const srv = new FakeServer();
    srv.on('DELETE', '/api/v1/widgets/w1', (req) =>
      req.headers.get('If-Match')
        ? {
            status: 409,
            body: { error: { code: 'conflict', message: 'widget w1 was changed', current_version: 3 } },
          }
        : { status: 204 },
    );
    const { onDeleted } = setup(srv, chart);
    const dialog = await screen.findByRole('dialog', { name: 'Edit “CPU”' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete widget' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('now version 3');
    expect(onDeleted).not.toHaveBeenCalled();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete it anyway' }));
    await waitFor(() => expect(onDeleted).toHaveBeenCalledWith('w1'));
    expect(srv.made('DELETE', '/api/v1/widgets/w1').map((r) => r.headers.get('If-Match'))).toEqual([
      '"2"',
      null,
    ]);
  });
});
