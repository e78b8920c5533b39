import { Controller, Get } from '@nestjs/common';
import { z } from 'zod';
import { Roles } from '../auth/auth.decorators';
import { ApiDoc } from '../infra/http/openapi';
import { JurisdictionsService } from './jurisdictions.service';

const JurisdictionView = z.object({ id: z.string(), name: z.string(), nameEn: z.string().nullable().describe('the English name, when configured'), parent: z.string().nullable(), children: z.array(z.string()), hub: z.boolean(), cidrs: z.array(z.string()) });

@Controller('v1/jurisdictions')
@Roles('admin', 'analyst', 'sensor', 'feed')
export class JurisdictionsController {
  constructor(private readonly jurisdictions: JurisdictionsService) {}

  @Get()
  @ApiDoc({ summary: 'The jurisdiction hierarchy, with parent and children', tags: ['jurisdictions'], response: z.object({ items: z.array(JurisdictionView) }) })
  list() {
    return { items: this.jurisdictions.list().map(({ id, name, nameEn, parent, children, hub, cidrs }) => ({ id, name, nameEn: nameEn ?? null, parent, children, hub, cidrs })) };
  }
}
