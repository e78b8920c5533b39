import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { killAtFileEnd } from './cleanup';

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

/**
 * Start a throwaway redis-server on a free port (no persistence); resolves once it accepts connections.
 * `port` starts it on that one (a restart after a kill); `dir` persists every write there (AOF,
 * fsync always), so a server started again on the same dir has the data of the killed one.
 */
export async function startRedisServer(opts: { port?: number; dir?: string } = {}): Promise<{ url: string; port: number; child: ChildProcess }> {
  const port = opts.port ?? (await freePort());
  const persistence = opts.dir ? ['--dir', opts.dir, '--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const child = killAtFileEnd(spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--maxmemory-policy', 'noeviction'], { stdio: 'ignore' }));
  await new Promise<void>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`redis-server could not start (${e.message}); install it: apt-get install -y redis-server`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code} before accepting connections (port ${port} taken?)`)));
    const deadline = Date.now() + 60_000; // a loaded machine starts slowly
    const attempt = () => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.end();
        resolve();
      });
      c.once('error', () => {
        if (child.exitCode !== null || child.signalCode !== null) return; // reported by 'exit'
        if (Date.now() > deadline) reject(new Error('redis-server did not start'));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
  return { url: `redis://127.0.0.1:${port}`, port, child };
}
