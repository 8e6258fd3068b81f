/** `npm run cluster -- status` as a table: pure, from the rows Cluster.status() returns. */
import { renderTable } from '../../src/cli/table.js';
import type { HostStatus } from './harness.js';

function proc(pid: number | undefined, answers: boolean): string {
  if (pid === undefined) return 'down';
  return `${pid} ${answers ? 'up' : 'not answering'}`;
}

export function statusTable(rows: HostStatus[]): string {
  return renderTable(
    ['HOST', 'ADDRESS', 'ENGINE', 'AGENT', 'NETWORK', 'MEMBERS (as this host sees them)'],
    rows.map((r) => [
      r.name,
      r.address,
      proc(r.enginePid, r.engineAnswers),
      proc(r.agentPid, r.agentAnswers),
      r.faults || 'ok',
      r.members ? r.members.map((m) => `${m.name}:${m.state}`).join(' ') : '-',
    ]),
  );
}
