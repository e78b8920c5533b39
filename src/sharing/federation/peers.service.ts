import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { CONFIG } from '../../infra/config/config.module';
import type { GwanjeConfig, PeerConfig } from '../../infra/config/config.schema';
import { parsePrivateKey, parsePublicKey, rawPublicKey } from './signing';

export interface Peer extends PeerConfig {
  /** Their public key: their messages verify against it. */
  verifyKey: KeyObject;
  /** Our private key for messages to them, or null (we can receive but not send). */
  signKey: KeyObject | null;
}

/**
 * The other deployments we federate with (config `peers:`), with their keys parsed once at
 * startup: a malformed key stops the process with a message naming the peer.
 */
@Injectable()
export class PeersService {
  private readonly log = new Logger('federation-peers');
  private readonly byId = new Map<string, Peer>();
  readonly selfId: string;

  constructor(@Inject(CONFIG) config: GwanjeConfig) {
    this.selfId = config.sharing.federation.id;
    const defaultKey = config.sharing.federation.privateKey;
    for (const p of config.peers) {
      if (p.id === this.selfId) throw new Error(`peers: ${p.id} is this deployment's own federation id (sharing.federation.id)`);
      if (this.byId.has(p.id)) throw new Error(`peers: duplicate peer id ${p.id}`);
      let verifyKey: KeyObject;
      let signKey: KeyObject | null = null;
      try {
        verifyKey = parsePublicKey(p.publicKey);
      } catch (e) {
        throw new Error(`peers[${p.id}].publicKey: ${(e as Error).message}`, { cause: e });
      }
      const keyText = p.privateKey ?? defaultKey;
      if (keyText) {
        try {
          signKey = parsePrivateKey(keyText);
        } catch (e) {
          throw new Error(`peers[${p.id}].privateKey${p.privateKey ? '' : ' (sharing.federation.privateKey)'}: ${(e as Error).message}`, { cause: e });
        }
      } else this.log.warn({ peer: p.id }, 'no signing key for this peer: shares to it cannot be sent');
      this.byId.set(p.id, { ...p, verifyKey, signKey });
    }
    if (this.byId.size) this.log.log({ self: this.selfId, peers: [...this.byId.keys()], publicKeys: Object.fromEntries([...this.byId.values()].filter((p) => p.signKey).map((p) => [p.id, rawPublicKey(p.signKey!)])) }, 'federation peers');
  }

  list(): Peer[] {
    return [...this.byId.values()];
  }

  /** An enabled peer by id (`x` or `peer:x`). */
  get(id: string): Peer | null {
    const p = this.byId.get(id.startsWith('peer:') ? id.slice(5) : id);
    return p && p.enabled ? p : null;
  }

  /** Any configured peer, enabled or not (the receiver still names disabled ones in errors). */
  known(id: string): Peer | null {
    return this.byId.get(id) ?? null;
  }
}

/** Chains across deployments: local entries are bare ids, others `<deployment>/<jurisdiction>`. */
export const chainToGlobal = (chain: string[], self: string) => chain.map((c) => (c.includes('/') ? c : `${self}/${c}`));
export const chainToLocal = (chain: string[], self: string) => chain.map((c) => (c.startsWith(`${self}/`) ? c.slice(self.length + 1) : c));
/** Whether a chain already passed through a deployment (a share is never sent back there). */
export const chainVisited = (chain: string[], deployment: string) => chain.some((c) => c.startsWith(`${deployment}/`));
