import { Writer } from './bytes.js';
import { type AliveMsg, decodeMessages, MsgType, writeMessage } from './codec.js';
import type { Core } from './core.js';
import type { MemberRecord } from './member.js';
import { aliveNode, selfAlive, suspectNode } from './state.js';
import { MemberState } from './types.js';

/**
 * A last word before a death: when a suspicion times out here, tell the suspect over the
 * reliable stream and wait one (health-scaled) period for its answer. A live member
 * answers with its alive at a higher incarnation. This catches the rare member that
 * missed a refutation everyone else heard: gossip retransmits each update a bounded
 * number of times, in a burst, and under heavy loss one member can miss them all. It
 * plays the part of memberlist's TCP fallback ping. A dead member costs at most one
 * period more (a refused connection answers at once).
 */
export function verifySuspect(
  core: Core,
  m: MemberRecord,
  incarnation: number,
  done: (refuted: boolean) => void,
): void {
  const w = new Writer(128);
  core.envelope.begin(w);
  writeMessage(w, { type: MsgType.Suspect, incarnation, node: m.name, from: core.self.name });
  const bytes = core.envelope.finish(w);
  core.stats.sent.probeMsgs++;
  core.stats.sent.probeBytes += bytes.length;
  const timeout = core.awareness.scaleTimeout(core.config.probeInterval);
  core.transport.request(m.addr, bytes, timeout, (err, reply) => {
    if (err !== null || reply === null || core.stopped) {
      done(false);
      return;
    }
    try {
      const { body, start } = core.envelope.open(reply);
      for (const msg of decodeMessages(body, start)) if (msg.type === MsgType.Alive) aliveNode(core, msg);
    } catch (e) {
      core.drop(e, m.addr);
      done(false);
      return;
    }
    done(m.state === MemberState.Alive || m.incarnation > incarnation);
  });
}

/** The suspect's side: refute if the suspicion is current, and answer with our alive. */
export function answerVerify(core: Core, from: string, body: Uint8Array, start: number): Uint8Array | null {
  let alive: AliveMsg | null = null;
  for (const msg of decodeMessages(body, start)) {
    if (msg.type !== MsgType.Suspect || msg.node !== core.self.name || core.leaving) continue;
    suspectNode(core, msg);
    alive = selfAlive(core);
  }
  if (alive === null) return null;
  const w = new Writer(256);
  core.envelope.begin(w);
  writeMessage(w, alive);
  const bytes = core.envelope.finish(w);
  core.stats.sent.probeMsgs++;
  core.stats.sent.probeBytes += bytes.length;
  core.logger.debug('answered a suspicion', { from });
  return bytes;
}
