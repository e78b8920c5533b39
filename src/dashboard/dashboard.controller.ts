import { Controller, Get, Logger, Param, Req, Res, type OnModuleInit } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { notFound } from '../infra/http/problem';
import { loadDashboardAssets, type Asset, type DashboardAssets } from './dashboard.assets';

/**
 * The web dashboard: `/` and its files under `/ui/`. Public (the page asks for a key and sends it
 * as X-Api-Key on each API call), served from memory with strict security headers.
 */
@Controller()
@Public()
export class DashboardController implements OnModuleInit {
  private readonly log = new Logger('dashboard');
  private assets!: DashboardAssets;

  onModuleInit() {
    this.assets = loadDashboardAssets();
    this.log.log({ files: this.assets.ui.size, vendor: this.assets.vendor.size }, 'dashboard files loaded');
  }

  @Get()
  index(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.send(this.assets.index, req, reply);
  }

  @Get('ui/vendor/:file')
  vendor(@Param('file') file: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.send(this.assets.vendor.get(file), req, reply, `/ui/vendor/${file}`);
  }

  @Get('ui/:dir/:file')
  nested(@Param('dir') dir: string, @Param('file') file: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.send(this.assets.ui.get(`${dir}/${file}`), req, reply, `/ui/${dir}/${file}`);
  }

  @Get('ui/:file')
  file(@Param('file') file: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.send(this.assets.ui.get(file), req, reply, `/ui/${file}`);
  }

  private send(a: Asset | undefined, req: FastifyRequest, reply: FastifyReply, name = '/') {
    if (!a) throw notFound(`no dashboard file ${name}`);
    reply
      .header('content-security-policy', this.assets.csp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cross-origin-opener-policy', 'same-origin')
      .header('cache-control', a.cacheControl)
      .header('etag', a.etag);
    const inm = req.headers['if-none-match'];
    if (typeof inm === 'string' && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === a.etag)) return reply.status(304).send();
    return reply.type(a.type).send(a.body);
  }
}
