import { traceIdConfig, traceLinks } from './links';

describe('trace links', () => {
  it('link to the configured Tempo data source with the cell value as the TraceQL query', () => {
    expect(traceLinks({ tempoUid: 'tempo-1' })).toEqual([
      {
        title: 'Open trace',
        url: '',
        internal: {
          datasourceUid: 'tempo-1',
          datasourceName: 'Tempo',
          query: { query: '${__value.raw}', queryType: 'traceql' },
        },
      },
    ]);
  });

  it('are absent without a Tempo data source', () => {
    expect(traceLinks({})).toEqual([]);
    expect(traceLinks({ tempoUid: ' ' })).toEqual([]);
    expect(traceIdConfig({}, { unit: 'x' })).toEqual({ unit: 'x' });
    expect(traceIdConfig({ tempoUid: 't' }).links).toHaveLength(1);
  });
});
