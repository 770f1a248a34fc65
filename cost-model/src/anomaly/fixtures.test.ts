/**
 * The committed fixtures in `test/fixtures/anomaly/` are exactly what the generator produces. Regenerate
 * them after changing `synthetic.ts` with:
 *
 *   UPDATE_ANOMALY_FIXTURES=1 npx jest cost-model/src/anomaly/fixtures.test.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fixtures, toCsv, toWindowsJson } from './synthetic';

const DIR = join(__dirname, '../../../test/fixtures/anomaly');
const update = process.env.UPDATE_ANOMALY_FIXTURES === '1';

describe('committed anomaly fixtures', () => {
  const all = fixtures();
  const files: [string, string][] = [
    ...all.map((f): [string, string] => [f.path, toCsv(f)]),
    ['combined_windows.json', toWindowsJson(all)],
  ];

  if (update) {
    it('are regenerated', () => {
      for (const [path, text] of files) {
        mkdirSync(dirname(join(DIR, path)), { recursive: true });
        writeFileSync(join(DIR, path), text);
      }
    });
    return;
  }

  it.each(files)('%s matches the generator', (path, text) => {
    expect(readFileSync(join(DIR, path), 'utf8')).toBe(text);
  });

  it('are small (each well under 1 MB)', () => {
    for (const [path, text] of files) {
      expect([path, text.length < 400_000]).toEqual([path, true]);
    }
  });
});
