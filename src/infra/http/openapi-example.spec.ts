import { z } from 'zod';
import { exampleOf, stripSafeIntegerBounds } from './openapi-example';

const schema = (s: z.ZodType) => stripSafeIntegerBounds(z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>);

describe('OpenAPI examples and integer bounds', () => {
  it('drops the ±2^53−1 bounds of z.number().int() and keeps real ones', () => {
    const s = schema(z.object({ n: z.number().int(), pct: z.number().int().min(0).max(100) }));
    expect(JSON.stringify(s)).not.toMatch(/9007199254740991/);
    expect(s).toMatchObject({ properties: { pct: { minimum: 0, maximum: 100 } } });
  });

  it('uses .meta({ example }), defaults and enums first, then plausible values by field name', () => {
    const s = schema(
      z.object({
        ip: z.string(),
        jurisdiction: z.string(),
        duration: z.string().meta({ example: '7d' }),
        tlp: z.enum(['CLEAR', 'AMBER']).default('AMBER'),
        created: z.string(),
        score: z.number().int().min(0).max(100),
        tags: z.array(z.string()),
      }),
    );
    expect(exampleOf(s)).toEqual({ ip: '45.155.205.7', jurisdiction: 'seoul-jongno', duration: '7d', tlp: 'AMBER', created: '2026-03-02T09:15:00.000Z', score: 84, tags: ['text'] });
  });

  it('picks the non-null branch of a nullable and a value of the right type', () => {
    expect(exampleOf(schema(z.object({ status: z.number().int(), reason: z.string().nullable() })))).toEqual({ status: 1, reason: 'ssh brute force from a known scanner' });
  });
});
