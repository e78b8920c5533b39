import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '../infra/config/config.module';
import type { GwanjeConfig, JurisdictionConfig } from '../infra/config/config.schema';
import { NotFound } from '../contracts/errors';

export interface Jurisdiction extends JurisdictionConfig {
  children: string[];
  /** Hubs are roots of the hierarchy; a hub's keys see every jurisdiction. */
  hub: boolean;
}

/** The jurisdiction hierarchy declared in config (hub → metropolitan/provincial → district/city). */
@Injectable()
export class JurisdictionsService {
  private readonly byId = new Map<string, Jurisdiction>();

  constructor(@Inject(CONFIG) config: GwanjeConfig) {
    for (const j of config.jurisdictions) this.byId.set(j.id, { ...j, children: [], hub: !j.parent });
    for (const j of this.byId.values()) if (j.parent) this.byId.get(j.parent)!.children.push(j.id);
  }

  list(): Jurisdiction[] {
    return [...this.byId.values()];
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): Jurisdiction {
    const j = this.byId.get(id);
    if (!j) throw new NotFound(`jurisdiction ${id} is not declared`);
    return j;
  }

  /** The first hub declared; the bootstrap admin key acts as this jurisdiction's admin. */
  primaryHub(): Jurisdiction {
    return this.list().find((j) => j.hub)!;
  }

  /** The jurisdiction itself and everything below it. */
  subtree(id: string): Set<string> {
    const out = new Set<string>();
    const walk = (j: string) => {
      out.add(j);
      for (const c of this.get(j).children) walk(c);
    };
    walk(id);
    return out;
  }

  ancestors(id: string): string[] {
    const out: string[] = [];
    for (let p = this.get(id).parent; p; p = this.get(p).parent) out.push(p);
    return out;
  }
}
