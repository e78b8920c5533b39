import { existsSync, readFileSync } from 'node:fs';
import { parseProcNetUdp, udpSocketDrops } from './proc-net-udp';

// Shapes as Linux 5/6 prints them (trailing spaces included): a DNS resolver, a syslog listener on 5514 (0x158A) with drops.
const UDP4 = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops             
  236: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 18290 2 0000000000000000 0          
 1023: 00000000:158A 00000000:0000 07 00000000:00034000 00:00000000 00000000  1000        0 771234 2 0000000000000000 862       
`;
const UDP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  496: 00000000000000000000000001000000:158B 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 771300 2 0000000000000000 17
`;

describe('/proc/net/udp', () => {
  it('parses every socket row: local address and port (hex), inode and the drops column', () => {
    expect(parseProcNetUdp(UDP4)).toEqual([
      { localAddress: '3500007F', localPort: 53, inode: 18290, drops: 0 },
      { localAddress: '00000000', localPort: 5514, inode: 771234, drops: 862 },
    ]);
    expect(parseProcNetUdp(UDP6)).toEqual([{ localAddress: '00000000000000000000000001000000', localPort: 5515, inode: 771300, drops: 17 }]);
  });

  it('reads the drops of the socket on a port, from udp or udp6 by family', () => {
    const read = (p: string) => (p === '/proc/net/udp6' ? UDP6 : UDP4);
    expect(udpSocketDrops(5514, 'udp4', read)).toBe(862);
    expect(udpSocketDrops(5515, 'udp6', read)).toBe(17);
    expect(udpSocketDrops(5515, 'udp4', read)).toBeNull();
  });

  it('is null where the table cannot be read (not Linux)', () => {
    expect(
      udpSocketDrops(5514, 'udp4', () => {
        throw new Error('ENOENT');
      }),
    ).toBeNull();
  });

  (existsSync('/proc/net/udp') ? it : it.skip)('reads the real table of this machine', () => {
    for (const r of parseProcNetUdp(readFileSync('/proc/net/udp', 'utf8'))) expect(Number.isInteger(r.drops) && r.drops >= 0 && r.localPort >= 0).toBe(true);
  });
});
