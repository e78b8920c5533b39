/**
 * Sharing between deployments, end to end: an attack ingested at deployment A (KLID's platform)
 * is flagged, blocked and shared by A's playbook, signed and delivered to deployment B (Seoul's
 * platform), accepted by B's trust policy, and served in B's EDL feed. Two `all` processes from
 * dist/, each on its own Redis server, on loopback (test/helpers/federation.ts, shared with the
 * federation suite). Prints p50/p99/max of ingest-at-A → in-B's-feed over BENCH_SHARING_IPS
 * addresses (default 50), one attack at a time.
 */
import { callDeployment, portScan, startFederatedPair } from '../test/helpers/federation';
import { percentile, stat, testConfigFor } from './support';

const N = Number(process.env.BENCH_SHARING_IPS ?? 50);
const TIMEOUT_MS = 15_000;

async function main() {
  const pair = await startFederatedPair((url) => testConfigFor(url), { baseMs: 200, maxMs: 2000, attempts: 100_000 });
  const { A, B } = pair;
  try {
    const times: number[] = [];
    let lost = 0;
    for (let i = 0; i < N; i++) {
      const ip = `45.155.${207 + Math.floor(i / 200)}.${10 + (i % 200)}`;
      const t0 = performance.now();
      const res = await callDeployment(A, A.config.adminKey!, 'POST', '/v1/ingest?format=suricata-eve&jurisdiction=seoul-jongno', { ndjson: portScan(ip) });
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${res.text}`);
      let seen = false;
      while (performance.now() - t0 < TIMEOUT_MS) {
        const feed = await callDeployment(B, B.config.adminKey!, 'GET', '/v1/feeds/seoul/edl.txt?comments=false');
        if (feed.text.split('\n').includes(ip)) {
          seen = true;
          break;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      if (seen) times.push(performance.now() - t0);
      else lost++;
    }
    times.sort((x, y) => x - y);
    stat('sharing.federation_ips', N);
    stat('sharing.federation_missing', lost, `not in B's feed within ${TIMEOUT_MS} ms`);
    stat('sharing.ingest_to_peer_feed_p50_ms', Math.round(percentile(times, 50)), "A ingest → flagged → blocked → shared → signed delivery → B policy block → B's EDL");
    stat('sharing.ingest_to_peer_feed_p99_ms', Math.round(percentile(times, 99)), 'target < 1000');
    stat('sharing.ingest_to_peer_feed_max_ms', Math.round(times[times.length - 1] ?? NaN));
    if (lost) process.exitCode = 1;
  } finally {
    await pair.stop();
  }
}

main().catch((e) => {
  process.stderr.write(`sharing bench failed: ${e.stack ?? e}\n`);
  process.exit(1);
});
