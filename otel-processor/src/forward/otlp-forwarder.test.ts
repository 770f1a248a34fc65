import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downstream, target, until } from './downstream.fixture';
import { OtlpForwarder } from './otlp-forwarder';

describe('OtlpForwarder', () => {
  it('posts protobuf bodies with the configured headers to /v1/traces and /v1/metrics', async () => {
    const ds = await downstream(() => ({ status: 200 }));
    const fwd = new OtlpForwarder([target(ds.url + '/base/')]);
    try {
      fwd.enqueueEncoded('traces', Uint8Array.of(1, 2, 3));
      fwd.enqueueEncoded('metrics', Uint8Array.of(4, 5));
      expect(await fwd.close(5_000)).toBe(true);
      expect(ds.received.map((r) => r.path).sort()).toEqual(['/base/v1/metrics', '/base/v1/traces']);
      const traces = ds.received.find((r) => r.path.endsWith('/traces'))!;
      expect([...traces.body]).toEqual([1, 2, 3]);
      expect(traces.headers['content-type']).toBe('application/x-protobuf');
      expect(traces.headers.authorization).toBe('Bearer t');
      expect(fwd.stats).toMatchObject({ sent: 2, dropped: 0, retried: 0 });
    } finally {
      await ds.close();
    }
  });

  it('sends an endpoint only the signals it takes (Tempo: traces only)', async () => {
    const ds = await downstream(() => ({ status: 200 }));
    const fwd = new OtlpForwarder([target(ds.url, { signals: ['traces'] })]);
    try {
      fwd.enqueueEncoded('traces', Uint8Array.of(1));
      fwd.enqueueEncoded('metrics', Uint8Array.of(2));
      expect(await fwd.close(5_000)).toBe(true);
      expect(ds.received.map((r) => r.path)).toEqual(['/v1/traces']);
      expect(fwd.stats).toMatchObject({ sent: 1, dropped: 0 });
    } finally {
      await ds.close();
    }
  });

  it('retries 429 and 5xx until delivered, and drops what the downstream refuses for good (4xx)', async () => {
    // traces: 503 then 429 then 200; metrics (a separate server): 400 once
    const flaky = await downstream((n) =>
      n === 0
        ? { status: 503 }
        : n === 1
          ? { status: 429, headers: { 'retry-after': '0' } }
          : { status: 200 },
    );
    const refusing = await downstream(() => ({ status: 400 }));
    const fwd = new OtlpForwarder([target(flaky.url)]);
    const fwd2 = new OtlpForwarder([target(refusing.url)]);
    try {
      fwd.enqueueEncoded('traces', Uint8Array.of(9));
      fwd2.enqueueEncoded('metrics', Uint8Array.of(8));
      await until(() => fwd.stats.sent === 1 && fwd2.stats.dropped === 1);
      expect(flaky.received).toHaveLength(3);
      expect(fwd.stats).toMatchObject({ sent: 1, retried: 2, dropped: 0 });
      expect(refusing.received).toHaveLength(1);
      expect(fwd2.stats).toMatchObject({ sent: 0, retried: 0, dropped: 1 });
    } finally {
      await fwd.close(100);
      await fwd2.close(100);
      await flaky.close();
      await refusing.close();
    }
  });

  describe('https', () => {
    let dir: string;
    let tls: { key: Buffer; cert: Buffer };
    beforeAll(() => {
      // A self-signed certificate for 127.0.0.1: the private CA a user would point caFile at.
      dir = mkdtempSync(join(tmpdir(), 'meterline-forward-tls-'));
      execFileSync(
        'openssl',
        [
          ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
          ...['-addext', 'subjectAltName=IP:127.0.0.1'],
          ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
        ],
        { stdio: 'ignore' },
      );
      tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('delivers to an endpoint signed by the CA in caFile', async () => {
      const ds = await downstream(() => ({ status: 200 }), tls);
      const fwd = new OtlpForwarder([target(ds.url, { caFile: join(dir, 'cert.pem') })]);
      try {
        fwd.enqueueEncoded('traces', Uint8Array.of(7, 7));
        expect(await fwd.close(5_000)).toBe(true);
        expect(ds.received.map((r) => [...r.body])).toEqual([[7, 7]]);
        expect(fwd.stats.sent).toBe(1);
      } finally {
        await ds.close();
      }
    });

    it('does not trust that endpoint without caFile: nothing is sent, the request waits for a retry', async () => {
      const ds = await downstream(() => ({ status: 200 }), tls);
      const fwd = new OtlpForwarder([target(ds.url)]);
      try {
        fwd.enqueueEncoded('traces', Uint8Array.of(1));
        await until(() => fwd.stats.retried >= 1);
        expect(fwd.stats.sent).toBe(0);
        expect(ds.received).toHaveLength(0);
      } finally {
        expect(await fwd.close(50)).toBe(false);
        await ds.close();
      }
    });

    it('fails at construction, naming the endpoint and the file, when caFile cannot be read', () => {
      const missing = join(dir, 'nope.pem');
      expect(() => new OtlpForwarder([target('https://tempo.example:4318', { caFile: missing })])).toThrow(
        `forward endpoint https://tempo.example:4318: cannot read caFile ${missing}: ENOENT`,
      );
    });
  });
});
