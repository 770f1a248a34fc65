import { checkHealth } from './health';
import { InfluxQueryError, type InfluxClient } from './influx-client';
import type { StatementAnswer } from '../queries/contract';

/** A client whose answers the test scripts: measurements, or an error for the database checks. */
function client(opts: { ping?: Error; measurements?: string[]; showError?: InfluxQueryError }): InfluxClient {
  return {
    ping: async () => {
      if (opts.ping) throw opts.ping;
      return '1.8.10';
    },
    query: async (statements: string[]): Promise<StatementAnswer[]> => {
      if (statements[0] === 'SHOW MEASUREMENTS') {
        expect(statements[1]).toBe('SHOW RETENTION POLICIES');
        if (opts.showError) throw opts.showError;
        return [
          {
            series: [
              { name: 'measurements', columns: ['name'], values: (opts.measurements ?? []).map((m) => [m]) },
            ],
          },
          { series: [{ name: '', columns: ['name'], values: [['autogen']] }] },
        ];
      }
      return [{ series: [{ name: 'cost', columns: ['time', 'last'], values: [[Date.UTC(2026, 0, 2), 5]] }] }];
    },
  } as unknown as InfluxClient;
}

const settings = { influxUrl: 'http://influxdb:8086', database: 'meterline' };

describe('checkHealth', () => {
  it('asks for a URL, then a database', async () => {
    expect((await checkHealth(client({}), {})).message).toMatch(/No InfluxDB URL/);
    expect((await checkHealth(client({}), { influxUrl: 'http://x' })).message).toMatch(/No database/);
    expect((await checkHealth(client({}), { influxUrl: 'http://x', flavor: 'v2' })).message).toMatch(
      /No bucket/,
    );
  });

  it('says InfluxDB is unreachable from Grafana, with the cause in the details', async () => {
    const r = await checkHealth(client({ ping: new Error('connect ECONNREFUSED') }), settings);
    expect(r.status).toBe('error');
    expect(r.message).toContain('Cannot reach InfluxDB at http://influxdb:8086');
    expect(r.details?.message).toContain('ECONNREFUSED');
  });

  it('names a missing database', async () => {
    const r = await checkHealth(
      client({
        showError: new InfluxQueryError('InfluxDB: database not found: meterline', 'SHOW MEASUREMENTS'),
      }),
      settings,
    );
    expect(r.message).toBe(
      'InfluxDB 1.8.10 has no database "meterline". Check "Database" (or the bucket\'s v1 mapping).',
    );
  });

  it('tells a token problem from a password problem', async () => {
    const denied = new InfluxQueryError('InfluxDB answered HTTP 401', 'SHOW MEASUREMENTS', 401);
    expect(
      (await checkHealth(client({ showError: denied }), { ...settings, auth: 'token' })).message,
    ).toMatch(/rejected the token/);
    expect(
      (await checkHealth(client({ showError: denied }), { ...settings, auth: 'password', user: 'grafana' }))
        .message,
    ).toMatch(/rejected the user "grafana"/);
    expect((await checkHealth(client({ showError: denied }), settings)).message).toMatch(
      /requires authentication/,
    );
  });

  it('fails when there is no cost measurement, listing what is there', async () => {
    const r = await checkHealth(client({ measurements: ['cpu', 'mem'] }), settings);
    expect(r.status).toBe('error');
    expect(r.message).toContain('has no "cost" measurement (it has cpu, mem)');
  });

  it('succeeds with the latest point and what is not written yet', async () => {
    const r = await checkHealth(client({ measurements: ['cost', 'cost_signal'] }), settings);
    expect(r.status).toBe('success');
    expect(r.message).toContain('latest cost point at 2026-01-02T00:00:00.000Z');
    expect(r.message).toContain('Not written yet: provider_cost, cost_event, cost_exemplar');
  });
});
