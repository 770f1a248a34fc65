/**
 * `meterline demo` is the README's main job: run it for real (its own influxd, three instrumented
 * services, OTel SDK) and check that the spend table it prints comes from InfluxDB and adds up.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=meterline-source',
        '--import',
        'tsx',
        join(ROOT, 'otel-processor/src/cli.ts'),
        'demo',
        ...args,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parses the "Total per tenant" table into tenant → amount string. */
function tenantTotals(stdout: string): Map<string, string> {
  const section = stdout.split('Total per tenant')[1]?.split('\n\n')[1] ?? '';
  const rows = section.split('\n').slice(2).filter(Boolean);
  return new Map(rows.map((r) => r.trim().split(/\s+/) as [string, string]));
}

describe('meterline demo', () => {
  it('prints spend per tenant and SKU read back from InfluxDB', async () => {
    const { code, stdout, stderr } = await runDemo(['--requests', '120']);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('Spend per tenant and SKU');
    for (const tenant of ['acme', 'globex', 'initech'])
      expect(stdout).toMatch(new RegExp(`^${tenant}\\s+api\\.requests`, 'm'));
    // 120 requests at 0.0000004 USD each, whoever sent them: the api.requests amounts add up to 0.000048.
    const requestAmounts = [
      ...stdout.matchAll(/^\S+\s+api\.requests\s+\S+\s+request\s+(\d+)\s+([\d.]+)\s+USD$/gm),
    ];
    expect(requestAmounts.reduce((s, m) => s + Number(m[1]), 0)).toBe(120);
    const nano = requestAmounts.reduce((s, m) => s + BigInt(Math.round(Number(m[2]) * 1e9)), 0n);
    expect(nano).toBe(120n * 400n);
    const totals = tenantTotals(stdout);
    expect(totals.size).toBeGreaterThanOrEqual(3);
    expect(stdout).toMatch(/Unknown attribution \(USD\): \d+\.\d\d% of spend/);
    expect(stderr).toContain('InfluxDB');
  }, 120_000);

  it('rejects a bad option with a clear message', async () => {
    const { code, stderr } = await runDemo(['--requests', 'many']);
    expect(code).not.toBe(0);
    expect(stderr).toContain('--requests must be a positive integer, got "many"');
  }, 60_000);
});
