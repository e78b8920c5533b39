export default async function globalTeardown() {
  const child = (globalThis as any).__GWANJE_REDIS__;
  if (child) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
