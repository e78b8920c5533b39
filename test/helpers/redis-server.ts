import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Start a throwaway redis-server on a free port (no persistence); resolves once it accepts connections. */
export async function startRedisServer(): Promise<{ url: string; port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`redis-server could not start (${e.message}); install it: apt-get install -y redis-server`)));
    const deadline = Date.now() + 10_000;
    const attempt = () => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.end();
        resolve();
      });
      c.once('error', () => (Date.now() > deadline ? reject(new Error('redis-server did not start')) : setTimeout(attempt, 50)));
    };
    attempt();
  });
  return { url: `redis://127.0.0.1:${port}`, port, child };
}
