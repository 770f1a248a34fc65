/**
 * Free TCP ports for servers Meterline starts itself (a private influxd for the demo and tests): the OS picks one (listen on port 0), we close and return it.
 *
 * There is an unavoidable window between closing and the real server binding the port, in which another
 * process may take it; callers that start external servers retry with a fresh port on "address in use"
 * (see `startLocalInfluxd`).
 */
import { createServer } from 'node:net';

/** Returns a TCP port that was free on `host` (default 127.0.0.1) a moment ago. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`freePort: unexpected address ${String(address)}`));
        return;
      }
      server.close((err) => (err ? reject(err) : resolve(address.port)));
    });
  });
}

/** Returns `n` distinct free ports (all held open until every one is chosen, so they differ). */
export async function freePorts(n: number, host = '127.0.0.1'): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import('node:net').Server>((resolve, reject) => {
          const s = createServer();
          s.unref();
          s.once('error', reject);
          s.listen({ port: 0, host, exclusive: true }, () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    if (a === null || typeof a === 'string') throw new Error(`freePorts: unexpected address ${String(a)}`);
    return a.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}
