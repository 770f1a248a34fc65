/** The test-support launcher itself: private instances, cleanup, and clear failures. */
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INFLUXDB_INSTALL_COMMAND, startInfluxDB } from '../support/influxdb';

describe('startInfluxDB', () => {
  it('starts independent instances in parallel and removes their directories on stop', async () => {
    const [a, b] = await Promise.all([startInfluxDB(), startInfluxDB()]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.dataDir).not.toBe(b.dataDir);
      await a.createDatabase('only_in_a');
      const dbs = async (i: typeof a) =>
        (await i.query('SHOW DATABASES')).results[0]?.series?.[0]?.values?.map((v) => v[0]) ?? [];
      expect(await dbs(a)).toContain('only_in_a');
      expect(await dbs(b)).not.toContain('only_in_a');
    } finally {
      await a.stop();
      await b.stop();
    }
    expect(existsSync(a.dir)).toBe(false);
    expect(existsSync(b.dir)).toBe(false);
    await a.stop(); // idempotent
  });

  it('kill() and start() take the same server down and bring it back with its data (outage tests)', async () => {
    const i = await startInfluxDB();
    try {
      await i.createDatabase('kept');
      await i.write('kept', ['m v=1i 1000']);
      const firstPid = i.pid;
      await i.kill('SIGKILL');
      expect(i.running).toBe(false);
      await expect(fetch(`${i.url}/ping`)).rejects.toThrow();
      await i.start();
      expect(i.running).toBe(true);
      expect(i.pid).not.toBe(firstPid);
      const json = await i.query('SELECT SUM("v") FROM "m"', 'kept');
      expect(json.results[0]?.series?.[0]?.values[0]?.[1]).toBe(1);
      await i.restart('SIGTERM');
      expect((await fetch(`${i.url}/ping`)).status).toBe(204);
    } finally {
      await i.stop();
    }
    expect(existsSync(i.dir)).toBe(false);
    await expect(i.start()).rejects.toThrow(/was stopped/);
  });

  it('names the install command when influxd is missing', async () => {
    await expect(startInfluxDB({ binary: '/nonexistent/influxd' })).rejects.toThrow(INFLUXDB_INSTALL_COMMAND);
  });

  it("reports the tail of influxd's output when it dies during startup", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fake-influxd-'));
    const fake = join(dir, 'influxd');
    writeFileSync(fake, '#!/bin/sh\necho "run: open server: boom from fake influxd" >&2\nexit 1\n');
    chmodSync(fake, 0o755);
    try {
      await expect(startInfluxDB({ binary: fake })).rejects.toThrow(
        /exited with 1 before answering \/ping[\s\S]*boom from fake influxd/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
