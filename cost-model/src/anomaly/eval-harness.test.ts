/**
 * The evaluation harness (`tools/eval-anomaly.ts`) end to end over a temporary tree: row-per-row output
 * (repeated and backwards timestamps, bad rows), mirrored paths, and summary numbers on a case computed by
 * hand.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, splitCsvLine } from '../../../tools/eval-anomaly';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

/** Short cold start (daily cycle, 1 day of warm-up, 6 h of calibration) so a 3-day series has a verdict. */
const PARAMS = JSON.stringify({ seasonPeriodMs: 24 * HOUR, warmupMs: 24 * HOUR, calibrationMs: 6 * HOUR });

describe('eval-anomaly harness', () => {
  let root: string;
  let data: string;
  let out: string;
  let stdout: string;
  let stderr: string;
  const io = { out: (t: string) => void (stdout += t), err: (t: string) => void (stderr += t) };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'eval-anomaly-'));
    data = join(root, 'data');
    out = join(root, 'out');
    stdout = '';
    stderr = '';
    mkdirSync(join(data, 'team/a'), { recursive: true });
    mkdirSync(join(data, 'nested/deeper'), { recursive: true });
    // 72 hourly points of a flat daily pattern; a 100× spike at hour 40 (inside window A = hours 39–41) and
    // at hour 55 (outside every window); window B = hours 60–62 has nothing.
    const rows = ['timestamp,value'];
    for (let h = 0; h < 72; h++) {
      const v = h === 40 || h === 55 ? 1000 : 10 + (h % 3) * 0.1;
      rows.push(`${iso(T0 + h * HOUR)},${v}`);
    }
    writeFileSync(join(data, 'team/a/spikes.csv'), rows.join('\n') + '\n');
    writeFileSync(
      join(data, 'labels.json'),
      JSON.stringify({
        'team/a/spikes.csv': [
          [iso(T0 + 39 * HOUR), iso(T0 + 41 * HOUR)],
          ['2025-01-03 12:00:00.000000', '2025-01-03 14:00:00.000000'], // NAB's own timestamp format
        ],
      }),
    );
    // Odd rows: BOM, CRLF, columns in another order, epoch ms and NAB timestamps, repeats, going backwards,
    // bad rows, a quoted field.
    const odd = [
      '\uFEFFvalue,Timestamp',
      `1.5,${T0}`,
      `2.5,${T0 + HOUR}`,
      `2.5,${T0 + HOUR}`, // repeated timestamp
      `0.5,2025-01-01 00:30:00.000000`, // backwards
      'n/a,2025-01-01T03:00:00Z', // bad value
      '4,yesterday', // bad timestamp
      '7', // too few fields
      '',
      `"3.25","2025-01-01T04:00:00Z"`,
    ];
    writeFileSync(join(data, 'nested/deeper/odd.csv'), odd.join('\r\n'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function run(...extra: string[]): number {
    return main(['--data', data, '--out', out, '--params', PARAMS, ...extra], io);
  }

  it('writes one row per input row, in order, with mirrored paths; bad rows are named and scored 0', () => {
    expect(run()).toBe(3); // some rows could not be read
    const lines = readFileSync(join(out, 'nested/deeper/odd.csv'), 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('timestamp,value,anomaly_score');
    expect(lines.slice(1).map((l) => splitCsvLine(l)!.slice(0, 2))).toEqual([
      [String(T0), '1.5'],
      [String(T0 + HOUR), '2.5'],
      [String(T0 + HOUR), '2.5'],
      ['2025-01-01 00:30:00.000000', '0.5'],
      ['2025-01-01T03:00:00Z', 'n/a'],
      ['yesterday', '4'],
      ['', '7'],
      ['2025-01-01T04:00:00Z', '3.25'],
    ]);
    for (const l of lines.slice(1)) expect(Number(splitCsvLine(l)![2])).toBe(0); // cold start or bad row
    expect(stderr).toContain('nested/deeper/odd.csv:6: bad value "n/a"');
    expect(stderr).toContain('nested/deeper/odd.csv:7: bad timestamp "yesterday"');
    expect(stderr).toContain('nested/deeper/odd.csv:8: 1 field, the header has 2');
    const spikes = readFileSync(join(out, 'team/a/spikes.csv'), 'utf8').trimEnd().split('\n');
    expect(spikes.length).toBe(73);
    expect(spikes[41]).toMatch(/^2025-01-02T16:00:00.000Z,1000,(1|0\.99\d*)$/);
  });

  it('computes the summary against the labels (checked by hand)', () => {
    run('--labels', join(data, 'labels.json'), '--threshold', '0.9');
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.threshold).toBe(0.9);
    expect(summary.files['team/a/spikes.csv']).toMatchObject({
      points: 72,
      windows: 2,
      flagged: 2, // the two spikes, nothing else
      flagged_in_windows: 1,
      false_positives: 1,
      precision: 0.5,
      recall: 0.5,
      false_positive_rate: 1 / 66, // 72 points, 6 inside windows
      alarms: 2,
      true_alarms: 1,
      window_delays: [
        { start: iso(T0 + 39 * HOUR), end: iso(T0 + 41 * HOUR), delay_ms: HOUR },
        { start: iso(T0 + 60 * HOUR), end: iso(T0 + 62 * HOUR), delay_ms: null },
      ],
    });
    expect(summary.overall).toMatchObject({ precision: 0.5, recall: 0.5, delay_ms: { median: HOUR } });
    expect(summary.unlabelled_files).toEqual(['nested/deeper/odd.csv']);
    expect(stdout).toMatch(/team\/a\/spikes\.csv\s+50\.0%\s+50%/);
    expect(stdout).toContain('60 min, missed');
  });

  it('rejects bad usage and bad labels with status 2, naming the problem', () => {
    expect(main(['--data', data], io)).toBe(2);
    expect(stderr).toContain('--data and --out are required');
    writeFileSync(join(root, 'bad.json'), JSON.stringify({ 'x.csv': [['2025-01-01', 'soon']] }));
    expect(run('--labels', join(root, 'bad.json'))).toBe(2);
    expect(stderr).toContain('"x.csv" window 1: bad timestamp');
    expect(main(['--data', data, '--out', out, '--params', '{"threshold": 2}'], io)).toBe(2);
    expect(stderr).toContain('threshold');
  });
});
