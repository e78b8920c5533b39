/**
 * RFC 6587 TCP framing: octet-counting ("LEN SP MSG") or LF-terminated, told apart per message
 * by the first byte (a digit starts a length; a syslog message starts with '<').
 */
export class SyslogTcpFramer {
  private buffer: Buffer = Buffer.alloc(0);
  /** While true, bytes are discarded up to the next LF (an over-long LF-framed message). */
  private discarding = false;

  constructor(
    private readonly maxMessageBytes: number,
    private readonly onMessage: (message: Buffer) => void,
    private readonly onOversize: () => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      if (this.discarding) {
        const lf = this.buffer.indexOf(0x0a);
        if (lf < 0) {
          this.buffer = Buffer.alloc(0);
          return;
        }
        this.buffer = this.buffer.subarray(lf + 1);
        this.discarding = false;
      }
      if (!this.buffer.length) return;
      const first = this.buffer[0];
      if (first >= 0x30 && first <= 0x39) {
        const sp = this.buffer.indexOf(0x20);
        if (sp < 0) {
          if (this.buffer.length > 10) this.resync();
          return;
        }
        const len = Number(this.buffer.subarray(0, sp).toString('latin1'));
        if (!Number.isInteger(len) || sp > 10) {
          this.resync();
          continue;
        }
        if (len > this.maxMessageBytes) {
          this.onOversize();
          this.resync();
          continue;
        }
        if (this.buffer.length < sp + 1 + len) return;
        this.onMessage(this.buffer.subarray(sp + 1, sp + 1 + len));
        this.buffer = this.buffer.subarray(sp + 1 + len);
        continue;
      }
      const lf = this.buffer.indexOf(0x0a);
      if (lf < 0) {
        if (this.buffer.length > this.maxMessageBytes) {
          this.onOversize();
          this.buffer = Buffer.alloc(0);
          this.discarding = true;
        }
        return;
      }
      const end = lf > 0 && this.buffer[lf - 1] === 0x0d ? lf - 1 : lf;
      if (end > 0) this.onMessage(this.buffer.subarray(0, end));
      this.buffer = this.buffer.subarray(lf + 1);
    }
  }

  /** A message still buffered when the peer closes (a last line without LF). */
  end(): void {
    if (!this.discarding && this.buffer.length && this.buffer[0] !== 0x0a) {
      const text = this.buffer;
      this.buffer = Buffer.alloc(0);
      if (!(text[0] >= 0x30 && text[0] <= 0x39)) this.onMessage(text);
    }
  }

  /** Bad length header: skip to the next LF and carry on. */
  private resync(): void {
    const lf = this.buffer.indexOf(0x0a);
    this.buffer = lf < 0 ? Buffer.alloc(0) : this.buffer.subarray(lf + 1);
  }
}
