import { writeFileSync } from 'node:fs';
import type { OpenApiDocument, OpenApiOperation } from '../helpers/api';
import { startTestApp, type TestApp } from '../helpers/app';

/**
 * Swagger as a newcomer reads it: every operation says more than its roles, every JSON body and
 * success answer has an example, and no integer shows the 2^53−1 placeholder zod's int bounds give.
 */
describe('OpenAPI document for Swagger', () => {
  let app: TestApp;
  let doc: OpenApiDocument;
  let ops: Array<{ id: string; op: OpenApiOperation }>;
  beforeAll(async () => {
    app = await startTestApp();
    doc = (await app.call('GET', '/openapi.json', { key: null })).body;
    if (process.env.GWANJE_OPENAPI_DUMP) writeFileSync(process.env.GWANJE_OPENAPI_DUMP, JSON.stringify(doc, null, 2));
    ops = Object.entries(doc.paths).flatMap(([p, m]) => Object.entries(m).map(([method, op]) => ({ id: `${method.toUpperCase()} ${p}`, op })));
  }, 60_000);
  afterAll(() => app.close());

  it('describes every operation beyond the roles line', () => {
    expect(ops.length).toBeGreaterThan(40);
    const thin = ops.filter(({ op }) => {
      const text = String(op.description ?? '');
      const withoutRoles = text.replace(/\*\*Roles:\*\*[^\n]*/g, '').replace(/\*\*Public:\*\*[^\n]*/g, '').trim();
      return withoutRoles.length < 20 || /^Roles: [\w, ]+$/.test(text);
    });
    expect(thin.map((o) => o.id)).toEqual([]);
    expect(doc.paths['/v1/decisions'].post.description).toMatch(/\*\*Roles:\*\*.*admin/);
  });

  it('has an example on every JSON request body and every 2xx JSON response', () => {
    const missing: string[] = [];
    for (const { id, op } of ops) {
      const body = op.requestBody?.content?.['application/json'];
      if (body && body.example === undefined) missing.push(`${id} requestBody`);
      for (const [status, r] of Object.entries(op.responses)) {
        const json = r.content?.['application/json'];
        if (status.startsWith('2') && json && (json.example === undefined || json.example === null)) missing.push(`${id} ${status}`);
      }
    }
    expect(missing).toEqual([]);
    // Examples read like real traffic, not type names.
    const ban = doc.paths['/v1/decisions'].post.requestBody?.content?.['application/json'].example;
    expect(ban).toMatchObject({ value: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+/), duration: expect.stringMatching(/^\d+[smhdw]/) });
  });

  it('shows no 9007199254740991 placeholder anywhere', () => {
    expect(JSON.stringify(doc)).not.toMatch(/9007199254740991/);
  });
});
