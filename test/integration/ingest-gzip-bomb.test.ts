import { gzipSync } from 'node:zlib';
import { startTestApp } from '../helpers/app';

it('applies the body limit after decompression (a gzip bomb is a 413, not an OOM)', async () => {
  const app = await startTestApp({ server: { bodyLimitBytes: 64 * 1024 } });
  try {
    const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x61));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await app.call('POST', '/v1/ingest?jurisdiction=seoul', { raw: bomb, headers: { 'content-encoding': 'gzip' } });
    expect(res.status).toBe(413);
    const bad = await app.call('POST', '/v1/ingest?jurisdiction=seoul', { raw: 'not gzip', headers: { 'content-encoding': 'gzip' } });
    expect(bad.status).toBe(400);
    expect(bad.problem.detail).toMatch(/decompress/i);
  } finally {
    await app.close();
  }
});
