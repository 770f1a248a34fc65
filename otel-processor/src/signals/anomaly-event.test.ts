import {
  amountText,
  anomalyEventPoint,
  anomalyEventText,
  deployFields,
  deployText,
  topTraceIds,
  type AnomalyEventInput,
} from './anomaly-event';
import { encodePoints } from './points';

const B = 300_000;
const T0 = Date.UTC(2026, 2, 1, 10, 20);

describe('exemplar selection', () => {
  it('ranks traces by the sum of their costly spans, ties by trace id, each span counted once', () => {
    expect(
      topTraceIds(
        [
          { traceId: 'a', spanId: '1', amountNano: 50n },
          { traceId: 'b', spanId: '1', amountNano: 60n },
          { traceId: 'a', spanId: '2', amountNano: 20n },
          // The same span in two minutes' top lists (a replay): counted once.
          { traceId: 'b', spanId: '1', amountNano: 60n },
          { traceId: 'd', amountNano: 70n },
          { traceId: 'c', amountNano: 70n },
          { traceId: '', amountNano: 1_000n },
        ],
        3,
      ),
    ).toEqual(['a', 'c', 'd']);
    expect(topTraceIds([])).toEqual([]);
  });
});

describe('deploy text', () => {
  const deploys = [
    { timeMs: T0 - 60_000, service: 'checkout', version: '1.2.0', previousVersion: '1.1.0' },
    { timeMs: T0 - 3_600_000, service: 'checkout', version: '1.1.0', previousVersion: '1.0.0' },
    { timeMs: T0 - 30_000, service: 'cart', version: '1.2.0', previousVersion: '' },
  ];

  it('lists deploys oldest first as "service version (from previous) at time", versions distinct', () => {
    expect(deployText(deploys[0]!)).toBe('checkout 1.2.0 (from 1.1.0) at 2026-03-01T10:19:00Z');
    expect(deployFields(deploys)).toEqual({
      deploys:
        'checkout 1.1.0 (from 1.0.0) at 2026-03-01T09:20:00Z; checkout 1.2.0 (from 1.1.0) at 2026-03-01T10:19:00Z; cart 1.2.0 at 2026-03-01T10:19:30Z',
      deploy_versions: '1.1.0,1.2.0',
    });
    expect(deployFields([])).toEqual({ deploys: '', deploy_versions: '' });
  });
});

describe('anomaly event', () => {
  const bucket = (i: number, amountNano: bigint, score: number) => ({
    timeMs: T0 + i * B,
    amountNano,
    result: {
      timestampMs: T0 + i * B,
      value: Number(amountNano),
      ready: true,
      score,
      expected: 1_234_567_890,
      lower: 800_000_000,
      upper: 1_600_000_000,
    },
  });
  const input: AnomalyEventInput = {
    key: { dimension: 'service', value: 'checkout', currency: 'USD' },
    bucket: '5m',
    episode: [bucket(0, 9_000_000_000n, 0.93), bucket(1, 12_345_000_000n, 0.998)],
    traceIds: ['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7a3ce929d0e0e4736'],
    deploys: [{ timeMs: T0 - 120_000, service: 'checkout', version: '1.1.0', previousVersion: '1.0.0' }],
  };

  it('summarises the series, value against expected and band, score, episode and deploys', () => {
    expect(anomalyEventText(input)).toEqual({
      title: 'Cost anomaly: service checkout',
      text:
        'service checkout spent 12.35 USD in the 5m from 2026-03-01T10:25:00Z, expected 1.235 USD (band 0.8000–1.600 USD), ' +
        'anomaly score 0.998; anomalous for 2 buckets since 2026-03-01T10:20:00Z. ' +
        'Deploys before it: checkout 1.1.0 (from 1.0.0) at 2026-03-01T10:18:00Z.',
    });
  });

  it('is written at the first bucket of the episode, so re-evaluations rewrite it', () => {
    const [line] = encodePoints([anomalyEventPoint(input)]);
    expect(line).toBe(
      'cost_event,currency=USD,kind=anomaly,service=checkout ' +
        'title="Cost anomaly: service checkout",' +
        `text="${anomalyEventText(input).text}",` +
        'score=0.998,trace_ids="4bf92f3577b34da6a3ce929d0e0e4736,00f067aa0ba902b7a3ce929d0e0e4736",' +
        'deploys="checkout 1.1.0 (from 1.0.0) at 2026-03-01T10:18:00Z",deploy_versions="1.1.0" ' +
        String(T0),
    );
  });

  it('formats amounts with four significant digits', () => {
    expect(amountText(12_345_678_900)).toBe('12.35');
    expect(amountText(1_234_600)).toBe('0.001235');
    expect(amountText(1_234_500_000_000)).toBe('1234.50');
    expect(amountText(0)).toBe('0.00');
    expect(amountText(-2_500_000_000)).toBe('-2.500');
  });
});
