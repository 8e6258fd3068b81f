/** The public surface of swim/: SWIM membership with the Lifeguard refinements. */
export type { Clock, Timer } from './clock.js';
export * from './config.js';
export type { SwimStats, TrafficStats } from './core.js';
export * from './errors.js';
export { Keyring } from './keyring.js';
export { ManualClock } from './manual-clock.js';
export { decodeMeta, encodeMeta, type NodeMeta } from './metadata.js';
export { type Random, SeededRandom } from './random.js';
export { RealClock, systemRandom } from './real-clock.js';
export type { MetaSigner } from './signer.js';
export { SimCluster, type SimClusterOptions } from './sim-cluster.js';
export { defaultSimOptions, SimNetwork, type SimNetworkOptions } from './sim-network.js';
export { Swim, type SwimOptions } from './swim.js';
export type { StreamCallback, Transport, TransportHandler, TransportStats } from './transport.js';
export * from './types.js';
export { UdpTransport, type UdpTransportOptions } from './udp-transport.js';
