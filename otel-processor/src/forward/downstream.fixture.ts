import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ForwardConfig } from '@meterline/cost-model';

/** What a test downstream received. */
export interface Received {
  path: string;
  body: Buffer;
  headers: http.IncomingHttpHeaders;
}

type Answer = (n: number) => { status: number; headers?: Record<string, string> };

/** A downstream that records what it received and answers the n-th request (0-based) with `answer(n)`. */
export async function downstream(
  answer: Answer,
  tls?: { key: Buffer; cert: Buffer },
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  let n = 0;
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: Buffer.concat(chunks), headers: req.headers });
      const a = answer(n++);
      res.writeHead(a.status, a.headers).end();
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function target(endpoint: string, extra: Partial<ForwardConfig> = {}): ForwardConfig {
  return {
    endpoint,
    signals: ['traces', 'metrics'],
    headers: { authorization: 'Bearer t' },
    timeoutMs: 2_000,
    ...extra,
  };
}

export async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
