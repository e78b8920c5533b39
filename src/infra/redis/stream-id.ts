/** Compare Redis stream ids ("ms-seq") numerically; string order breaks once seq grows a digit. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}
