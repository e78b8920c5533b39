import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import type { AlertEnrichment as Enrichment } from './alerts.schemas';

export type Enricher = (ip: string) => z.infer<typeof Enrichment>;

/**
 * Where `GET /v1/alerts` gets each alert's country and AS. Detection owns the databases and sits
 * above alerts, so it hands its lookup in at start-up; without it alerts carry `enrichment: null`.
 */
@Injectable()
export class AlertEnrichment {
  private enricher: Enricher | null = null;

  provide(enricher: Enricher): void {
    this.enricher = enricher;
  }

  of(ip: string): z.infer<typeof Enrichment> | null {
    return this.enricher ? this.enricher(ip) : null;
  }
}
