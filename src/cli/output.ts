/** CLI errors: a message on stderr and a non-zero exit, never a stack trace for bad input. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

export function fail(message: string, exitCode = 2): never {
  throw new CliError(message, exitCode);
}

export async function withContext<C extends { close(): Promise<void> }>(open: () => Promise<C>, run: (ctx: C) => Promise<void>) {
  let ctx: C | undefined;
  try {
    ctx = await open();
    await run(ctx);
  } catch (e) {
    process.stderr.write(`gwanje: ${(e as Error).message}\n`);
    process.exitCode = e instanceof CliError ? e.exitCode : 1;
  } finally {
    await ctx?.close().catch(() => undefined);
  }
}
