import { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSourceSettings } from '@grafana/data';
import { setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';
import type { MeterlineOptions, MeterlineSecureJsonData } from '../../types';
import { ConfigEditor, burnCriticalError, currencyError, influxUrlError } from './ConfigEditor';

// @grafana/ui's icons fetch their SVG and set state after act(): render them as nothing in tests.
jest.mock('react-inlinesvg', () => ({ __esModule: true, default: () => null }));

type Settings = DataSourceSettings<MeterlineOptions, MeterlineSecureJsonData>;

function settings(over: Partial<Settings> = {}): Settings {
  return {
    id: 1,
    uid: 'meterline',
    orgId: 1,
    name: 'Meterline',
    type: 'meterline-cost-datasource',
    typeName: 'Meterline Cost',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    readOnly: false,
    withCredentials: false,
    jsonData: {},
    secureJsonFields: {},
    ...over,
  } as Settings;
}

/** The secret input labelled `name` (not the radio button of the same name). */
function secretInput(name: RegExp): HTMLInputElement {
  return screen.getByLabelText(name, { selector: 'input:not([type="radio"])' }) as HTMLInputElement;
}

/** Renders the editor the way Grafana does: it owns the settings and passes every change back in. */
function renderStateful(initial: Settings) {
  const changes: Settings[] = [];
  function Host() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(o) => {
          changes.push(o);
          setOptions(o);
        }}
      />
    );
  }
  render(<Host />);
  const last = (): Settings => {
    const c = changes.at(-1);
    if (c === undefined) throw new Error('onOptionsChange was not called');
    return c;
  };
  return { changes, last };
}

describe('ConfigEditor', () => {
  it('renders the connection, authentication, money, traces and budgets sections', () => {
    render(<ConfigEditor options={settings()} onOptionsChange={jest.fn()} />);
    for (const name of ['URL', 'Database', 'Retention policy', 'Default currency', 'Tempo data source']) {
      expect(screen.getByRole('textbox', { name: new RegExp(`^${name}`) })).toBeTruthy();
    }
    expect(screen.getByRole('radio', { name: 'InfluxDB 1.x' })).toHaveProperty('checked', true);
    expect(screen.getByRole('radio', { name: 'None' })).toHaveProperty('checked', true);
    expect(screen.getByRole('switch', { name: /^Burn rate as percent/ })).toBeTruthy();
    expect(screen.getByRole('spinbutton', { name: /^Critical burn rate/ })).toBeTruthy();
    // No credentials asked for without an authentication method.
    const notRadio = { selector: 'input:not([type="radio"])' };
    expect(screen.queryByLabelText(/^Password/, notRadio)).toBeNull();
    expect(screen.queryByLabelText(/^Token/, notRadio)).toBeNull();
  });

  it('typing the URL stores it in jsonData.influxUrl (and as the data source URL)', async () => {
    const user = userEvent.setup();
    const { last } = renderStateful(settings());
    await user.type(screen.getByRole('textbox', { name: /^URL/ }), 'http://influxdb:8086');
    expect(last().jsonData.influxUrl).toBe('http://influxdb:8086');
    expect(last().url).toBe('http://influxdb:8086');
    expect(screen.queryByText(/http:\/\/ or https:\/\//)).toBeNull();
  });

  it('rejects a URL that is not http(s)', async () => {
    const user = userEvent.setup();
    renderStateful(settings());
    await user.type(screen.getByRole('textbox', { name: /^URL/ }), 'ftp://influxdb');
    expect(screen.getByText('Use an http:// or https:// URL')).toBeTruthy();
    expect(influxUrlError('not a url')).toMatch(/Not a URL/);
    expect(influxUrlError('https://influx.example.com')).toBeUndefined();
    expect(influxUrlError('http://influxdb:8086/?db=x')).toMatch(/query string/);
  });

  it('a token goes to secureJsonData.token and never to jsonData', async () => {
    const user = userEvent.setup();
    const { changes, last } = renderStateful(settings({ jsonData: { auth: 'token' } }));
    await user.type(secretInput(/^Token/), 's3cr3t-token');
    expect(last().secureJsonData?.token).toBe('s3cr3t-token');
    for (const c of changes) {
      expect(JSON.stringify(c.jsonData)).not.toContain('s3cr3t');
      expect(c.url).not.toContain('s3cr3t');
    }
  });

  it('a password goes to secureJsonData.password, the user to jsonData.user', async () => {
    const user = userEvent.setup();
    const { changes, last } = renderStateful(settings());
    await user.click(screen.getByRole('radio', { name: 'User & password' }));
    expect(last().jsonData.auth).toBe('password');
    await user.type(screen.getByRole('textbox', { name: 'User' }), 'reader');
    await user.type(secretInput(/^Password/), 'hunter2');
    expect(last().jsonData.user).toBe('reader');
    expect(last().secureJsonData?.password).toBe('hunter2');
    expect(changes.some((c) => JSON.stringify(c.jsonData).includes('hunter2'))).toBe(false);
  });

  it('shows a stored secret as configured, and Reset clears it', async () => {
    const user = userEvent.setup();
    const { last } = renderStateful(
      settings({ jsonData: { auth: 'token' }, secureJsonFields: { token: true } }),
    );
    const input = secretInput(/^Token/);
    expect(input.value).toBe('configured');
    expect(input.disabled).toBe(true);
    await user.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields.token).toBe(false);
    expect(last().secureJsonData?.token).toBe('');
    const after = secretInput(/^Token/);
    expect(after.disabled).toBe(false);
    expect(after.value).toBe('');
  });

  it('flags an invalid currency and upper-cases a valid one', async () => {
    const user = userEvent.setup();
    const { last } = renderStateful(settings());
    const input = screen.getByRole('textbox', { name: /^Default currency/ });
    await user.type(input, 'usdx');
    expect(last().jsonData.defaultCurrency).toBe('USDX');
    expect(screen.getByText('Three letters, an ISO 4217 code such as USD or EUR')).toBeTruthy();
    await user.clear(input);
    await user.type(input, 'eur');
    expect(last().jsonData.defaultCurrency).toBe('EUR');
    expect(screen.queryByText(/ISO 4217 code such as/)).toBeNull();
    expect(currencyError('US1')).toBeDefined();
    expect(currencyError('')).toBeUndefined();
  });

  it('shows organization and bucket for InfluxDB 2.x', async () => {
    const user = userEvent.setup();
    const { last } = renderStateful(settings());
    expect(screen.queryByRole('textbox', { name: /^Bucket/ })).toBeNull();
    await user.click(screen.getByRole('radio', { name: 'InfluxDB 2.x' }));
    expect(last().jsonData.flavor).toBe('v2');
    await user.type(screen.getByRole('textbox', { name: /^Organization/ }), 'acme');
    await user.type(screen.getByRole('textbox', { name: /^Bucket/ }), 'meterline');
    expect(last().jsonData).toMatchObject({ organization: 'acme', bucket: 'meterline' });
    // The bucket stands in for the database: the database field says so.
    expect(screen.getByRole('textbox', { name: /^Database/ }).getAttribute('placeholder')).toBe('meterline');
  });

  it('stores the currency display, the burn display and a valid critical burn rate', async () => {
    const user = userEvent.setup();
    const { last } = renderStateful(settings());
    await user.click(screen.getByRole('radio', { name: 'Code' }));
    expect(last().jsonData.currencyDisplay).toBe('code');
    await user.click(screen.getByRole('switch', { name: /^Burn rate as percent/ }));
    expect(last().jsonData.burnAsPercent).toBe(true);
    const burn = screen.getByRole('spinbutton', { name: /^Critical burn rate/ });
    await user.type(burn, '2.5');
    expect(last().jsonData.burnCritical).toBe(2.5);
    await user.clear(burn);
    expect(last().jsonData.burnCritical).toBeUndefined();
    expect(burnCriticalError('0')).toBeDefined();
    expect(burnCriticalError('14.4')).toBeUndefined();
  });

  describe('Tempo data source', () => {
    afterEach(() => setDataSourceSrv(undefined as unknown as DataSourceSrv));

    it('is a uid input without Grafana', async () => {
      const user = userEvent.setup();
      const { last } = renderStateful(settings());
      await user.type(screen.getByRole('textbox', { name: /^Tempo data source/ }), 'tempo-uid');
      expect(last().jsonData.tempoUid).toBe('tempo-uid');
    });

    it("is a picker of Grafana's Tempo data sources when Grafana is there", () => {
      const tempo = { uid: 'tempo-1', name: 'Tempo prod', type: 'tempo', meta: { info: { logos: {} } } };
      const getList = jest.fn(() => [tempo]);
      setDataSourceSrv({
        getList,
        getInstanceSettings: (ref: unknown) =>
          ref === 'tempo-1' || (ref as { uid?: string })?.uid === 'tempo-1' ? tempo : undefined,
        get: jest.fn(),
        reload: jest.fn(),
        registerRuntimeDataSource: jest.fn(),
      } as unknown as DataSourceSrv);
      render(
        <ConfigEditor
          options={settings({ jsonData: { tempoUid: 'tempo-1' } })}
          onOptionsChange={jest.fn()}
        />,
      );
      expect(screen.queryByPlaceholderText('uid of the Tempo data source')).toBeNull();
      expect(screen.getByText('Tempo prod')).toBeTruthy();
      expect(getList).toHaveBeenCalledWith(expect.objectContaining({ type: 'tempo', tracing: true }));
    });
  });
});
