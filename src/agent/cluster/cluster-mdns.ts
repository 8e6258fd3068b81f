/**
 * The cluster's mDNS (mdns.ts): a member answers for its cluster, under the fingerprint of
 * the cluster key (what a token names), and a joiner asks the LAN for members. A LAN that
 * drops multicast only loses that; `mdns: false` turns both off.
 */
import type { Logger } from '../logger.js';
import { clusterFingerprint } from './admissions.js';
import { type ClusterConfig, defaultHost, parseAddress } from './config.js';
import { mdnsService } from './mdns.js';
import { MdnsResponder, mdnsDiscover } from './mdns-socket.js';

export interface ClusterMdnsOptions {
  nodeId: string;
  logger: Logger;
  clock?: () => number;
  /** False turns the responder and the joiner's query off; a port and group for tests. */
  mdns?: false | { port?: number; group?: string };
  /** The host a join's query is sent from (the joiner's own address), once known. */
  joinHost: () => string | undefined;
}

export class ClusterMdns {
  private responder: MdnsResponder | undefined;

  constructor(private readonly o: ClusterMdnsOptions) {}

  /** The joiner's query for members of the cluster with this fingerprint (Admissions' `discover`). */
  get discover(): ((fingerprint: Uint8Array) => ReturnType<typeof mdnsDiscover>) | undefined {
    const { mdns } = this.o;
    if (mdns === false) return undefined;
    return (fingerprint) =>
      mdnsDiscover({
        service: mdnsService(fingerprint),
        host: this.o.joinHost() ?? defaultHost() ?? '0.0.0.0',
        ...mdns,
      });
  }

  /** The responder's counts (answered, rate-limited, malformed), while it runs. */
  get stats(): MdnsResponder['stats'] | undefined {
    return this.responder?.stats;
  }

  /** Answers mDNS for the cluster while a member (not on an IPv6 address). */
  async start(config: ClusterConfig): Promise<void> {
    const { host } = parseAddress(config.address);
    if (this.o.mdns === false || host.includes(':')) return;
    try {
      this.responder = await MdnsResponder.start({
        host,
        service: mdnsService(clusterFingerprint(config.key)),
        self: { id: this.o.nodeId, address: config.address },
        logger: this.o.logger,
        ...(this.o.clock ? { clock: this.o.clock } : {}),
        ...this.o.mdns,
      });
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'not answering mDNS');
    }
  }

  /** A new cluster key: answers under its fingerprint from now on, while still a member. */
  async restart(config: ClusterConfig, member: () => boolean): Promise<void> {
    await this.stop();
    if (member()) await this.start(config);
  }

  async stop(): Promise<void> {
    const old = this.responder;
    this.responder = undefined;
    await old?.stop();
  }
}
