/**
 * The data source settings page: where InfluxDB is and how to authenticate (secrets go to `secureJsonData`,
 * which Grafana encrypts, injects through plugin.json's proxy routes, and never sends back to the browser),
 * how to show money, where trace IDs link to, and how budgets are displayed.
 *
 * @packageDocumentation
 */
import { useState, type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps, DataSourceSettings } from '@grafana/data';
import { DataSourcePicker, getDataSourceSrv } from '@grafana/runtime';
import { Field, FieldSet, Input, RadioButtonGroup, SecretInput, Stack, Switch } from '@grafana/ui';
import type { AuthMethod, InfluxFlavor, MeterlineOptions, MeterlineSecureJsonData } from '../../types';

/** Props Grafana passes to a data source's config editor. */
export type ConfigEditorProps = DataSourcePluginOptionsEditorProps<MeterlineOptions, MeterlineSecureJsonData>;

type Settings = DataSourceSettings<MeterlineOptions, MeterlineSecureJsonData>;

/** Why `url` cannot be the InfluxDB URL, or undefined when it can (an empty one is Save & test's to report). */
export function influxUrlError(url: string): string | undefined {
  if (url.trim() === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Not a URL: write it like http://influxdb:8086';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'Use an http:// or https:// URL';
  if (parsed.search !== '' || parsed.hash !== '') return 'No query string or fragment: only the base URL';
  return undefined;
}

/** Why `code` cannot be the default currency, or undefined when it can (empty = not set). */
export function currencyError(code: string): string | undefined {
  if (code === '' || /^[A-Z]{3}$/.test(code)) return undefined;
  return 'Three letters, an ISO 4217 code such as USD or EUR';
}

/** Why `text` cannot be the critical burn rate, or undefined when it can (empty = not set). */
export function burnCriticalError(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? undefined : 'A number above 0, e.g. 14.4';
}

const FLAVORS: Array<{ value: InfluxFlavor; label: string; description: string }> = [
  { value: 'v1', label: 'InfluxDB 1.x', description: 'A database (and optional retention policy)' },
  {
    value: 'v2',
    label: 'InfluxDB 2.x',
    description: 'An organization and bucket, read through the v1 compatibility API',
  },
  {
    value: 'v3',
    label: 'InfluxDB 3.x',
    description: 'A database (bucket), read through the v1 compatibility API',
  },
];

const AUTH_METHODS: Array<{ value: AuthMethod; label: string; description: string }> = [
  { value: 'none', label: 'None', description: 'InfluxDB without authentication' },
  { value: 'password', label: 'User & password', description: 'InfluxDB 1.x users, or 2.x v1-auth mappings' },
  {
    value: 'token',
    label: 'Token',
    description: 'API token (InfluxDB 2.x/3.x), sent as "Authorization: Token …"',
  },
];

const ID = 'meterline-config';

/** Meterline's data source settings. */
export function ConfigEditor({ options, onOptionsChange }: ConfigEditorProps) {
  const json = options.jsonData ?? {};
  const flavor = json.flavor ?? 'v1';
  const auth = json.auth ?? 'none';
  const secureFields = options.secureJsonFields ?? {};
  const secure = options.secureJsonData ?? {};

  const setJson = (patch: Partial<MeterlineOptions>, extra: Partial<Settings> = {}) =>
    onOptionsChange({ ...options, ...extra, jsonData: { ...json, ...patch } });
  const setSecret = (key: keyof MeterlineSecureJsonData, value: string) =>
    onOptionsChange({ ...options, secureJsonData: { ...secure, [key]: value } });
  // Reset forgets the stored secret: Grafana deletes it on save because the field is no longer "configured".
  const resetSecret = (key: keyof MeterlineSecureJsonData) =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureFields, [key]: false },
      secureJsonData: { ...secure, [key]: '' },
    });
  const text =
    (key: keyof MeterlineOptions) =>
    (e: ChangeEvent<HTMLInputElement>): void =>
      setJson({ [key]: e.currentTarget.value });

  const urlErr = influxUrlError(json.influxUrl ?? '');
  const currencyErr = currencyError(json.defaultCurrency ?? '');
  const burnText = json.burnCritical === undefined ? '' : String(json.burnCritical);

  return (
    <Stack direction="column" gap={2}>
      <FieldSet label="InfluxDB">
        <Field
          label="URL"
          description="Where meterline writes its series, as Grafana's server reaches it (the browser never does: queries go through Grafana's data proxy)"
          htmlFor={`${ID}-url`}
          invalid={urlErr !== undefined}
          error={urlErr}
          required
        >
          <Input
            id={`${ID}-url`}
            width={50}
            placeholder="http://influxdb:8086"
            value={json.influxUrl ?? ''}
            onChange={(e) => {
              const influxUrl = e.currentTarget.value.trim();
              // Also the data source's own URL: Grafana shows it in the data source list, and its proxy
              // has a target even for a path no route matches.
              setJson({ influxUrl }, { url: influxUrl });
            }}
          />
        </Field>
        <Field label="Version" description={FLAVORS.find((f) => f.value === flavor)?.description}>
          <RadioButtonGroup
            id={`${ID}-flavor`}
            options={FLAVORS}
            value={flavor}
            onChange={(v) => setJson({ flavor: v })}
          />
        </Field>
        {flavor === 'v2' && (
          <Field
            label="Organization"
            description="Shown for reference; queries are scoped by the token"
            htmlFor={`${ID}-org`}
          >
            <Input
              id={`${ID}-org`}
              width={40}
              value={json.organization ?? ''}
              onChange={text('organization')}
            />
          </Field>
        )}
        {flavor !== 'v1' && (
          <Field
            label="Bucket"
            description="The bucket meterline writes to; used as the database when Database is empty"
            htmlFor={`${ID}-bucket`}
          >
            <Input
              id={`${ID}-bucket`}
              width={40}
              placeholder="meterline"
              value={json.bucket ?? ''}
              onChange={text('bucket')}
            />
          </Field>
        )}
        <Field
          label="Database"
          description={
            flavor === 'v1'
              ? 'influx.database in meterline.yaml'
              : "The bucket's v1 database mapping, if it has one with another name; empty = the bucket"
          }
          htmlFor={`${ID}-database`}
          required={flavor === 'v1'}
        >
          <Input
            id={`${ID}-database`}
            width={40}
            placeholder={flavor === 'v1' ? 'meterline' : json.bucket || 'the bucket'}
            value={json.database ?? ''}
            onChange={text('database')}
          />
        </Field>
        <Field
          label="Retention policy"
          description="Only if meterline writes to a retention policy other than the default one"
          htmlFor={`${ID}-rp`}
        >
          <Input
            id={`${ID}-rp`}
            width={40}
            placeholder="default"
            value={json.retentionPolicy ?? ''}
            onChange={text('retentionPolicy')}
          />
        </Field>
      </FieldSet>

      <FieldSet label="Authentication">
        <Field label="Method" description={AUTH_METHODS.find((a) => a.value === auth)?.description}>
          <RadioButtonGroup
            id={`${ID}-auth`}
            options={AUTH_METHODS}
            value={auth}
            onChange={(v) => setJson({ auth: v })}
          />
        </Field>
        {auth === 'password' && (
          <>
            <Field label="User" htmlFor={`${ID}-user`}>
              <Input
                id={`${ID}-user`}
                width={40}
                autoComplete="off"
                value={json.user ?? ''}
                onChange={text('user')}
              />
            </Field>
            <Field
              label="Password"
              description="Stored encrypted; Grafana's server adds it to each query"
              htmlFor={`${ID}-password`}
            >
              <SecretInput
                id={`${ID}-password`}
                width={40}
                autoComplete="new-password"
                isConfigured={Boolean(secureFields.password)}
                value={secure.password ?? ''}
                onChange={(e) => setSecret('password', e.currentTarget.value)}
                onReset={() => resetSecret('password')}
              />
            </Field>
          </>
        )}
        {auth === 'token' && (
          <Field
            label="Token"
            description="A read token for the bucket. Stored encrypted; Grafana's server sends it as an Authorization header"
            htmlFor={`${ID}-token`}
          >
            <SecretInput
              id={`${ID}-token`}
              width={50}
              autoComplete="off"
              isConfigured={Boolean(secureFields.token)}
              value={secure.token ?? ''}
              onChange={(e) => setSecret('token', e.currentTarget.value)}
              onReset={() => resetSecret('token')}
            />
          </Field>
        )}
      </FieldSet>

      <FieldSet label="Money">
        <Field
          label="Default currency"
          description="ISO 4217 code for series without a currency tag (meterline tags every series it writes)"
          htmlFor={`${ID}-currency`}
          invalid={currencyErr !== undefined}
          error={currencyErr}
        >
          <Input
            id={`${ID}-currency`}
            width={12}
            placeholder="USD"
            value={json.defaultCurrency ?? ''}
            onChange={(e) => setJson({ defaultCurrency: e.currentTarget.value.trim().toUpperCase() })}
          />
        </Field>
        <Field label="Show money as" description="$1.23 or 1.23 USD">
          <RadioButtonGroup
            id={`${ID}-currency-display`}
            options={[
              { value: 'symbol' as const, label: 'Symbol' },
              { value: 'code' as const, label: 'Code' },
            ]}
            value={json.currencyDisplay ?? 'symbol'}
            onChange={(v) => setJson({ currencyDisplay: v })}
          />
        </Field>
      </FieldSet>

      <FieldSet label="Traces">
        <TempoField uid={json.tempoUid} onChange={(tempoUid) => setJson({ tempoUid })} />
      </FieldSet>

      <FieldSet label="Budgets">
        <Field
          label="Burn rate as percent"
          description="Show burn rates as a percentage of pace (100%) instead of a ratio (1.0)"
          htmlFor={`${ID}-burn-percent`}
        >
          <Switch
            id={`${ID}-burn-percent`}
            value={Boolean(json.burnAsPercent)}
            onChange={(e) => setJson({ burnAsPercent: e.currentTarget.checked })}
          />
        </Field>
        <BurnCriticalField value={burnText} onChange={(burnCritical) => setJson({ burnCritical })} />
      </FieldSet>
    </Stack>
  );
}

/**
 * The Tempo data source trace IDs link to. With Grafana around, a picker of its Tempo data sources; without
 * a DataSourceSrv (a test page, the plugin harness) the picker cannot list anything, so a plain uid input.
 */
function TempoField({ uid, onChange }: { uid?: string; onChange: (uid: string | undefined) => void }) {
  const id = `${ID}-tempo`;
  const description = 'Trace IDs in anomaly events and costly traces link to this Tempo data source';
  // getDataSourceSrv() is typed as always present, but is undefined until Grafana has set it.
  const canPick = Boolean((getDataSourceSrv as () => unknown)());
  return (
    <Field label="Tempo data source" description={description} htmlFor={id}>
      {canPick ? (
        <DataSourcePicker
          inputId={id}
          width={40}
          type="tempo"
          tracing
          noDefault
          current={uid ?? null}
          onChange={(ds) => onChange(ds.uid)}
          onClear={() => onChange(undefined)}
        />
      ) : (
        <Input
          id={id}
          width={40}
          placeholder="uid of the Tempo data source"
          value={uid ?? ''}
          onChange={(e) => onChange(e.currentTarget.value.trim() || undefined)}
        />
      )}
    </Field>
  );
}

/** The critical burn rate: typed as text (so "1." can be on its way to "1.5"), saved as a number when valid. */
function BurnCriticalField({
  value,
  onChange,
}: {
  value: string;
  onChange: (n: number | undefined) => void;
}) {
  const id = `${ID}-burn-critical`;
  const [draft, setDraft] = useState(value);
  const err = burnCriticalError(draft);
  return (
    <Field
      label="Critical burn rate"
      description="From this burn rate a window shows as critical (the provisioned page alert fires above 14.4)"
      htmlFor={id}
      invalid={err !== undefined}
      error={err}
    >
      <Input
        id={id}
        width={12}
        type="number"
        min={0}
        step="any"
        placeholder="14.4"
        value={draft}
        onChange={(e) => {
          const t = e.currentTarget.value;
          setDraft(t);
          if (t.trim() === '') onChange(undefined);
          else if (burnCriticalError(t) === undefined) onChange(Number(t));
        }}
      />
    </Field>
  );
}
