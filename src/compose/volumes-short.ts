/**
 * The short volume syntax `[SOURCE:]TARGET[:MODE]` to the long form: binds for sources that
 * look like paths (`.`, `/`, `~`), named volumes otherwise, anonymous volumes for a bare target.
 */
import { ComposeValueError } from './errors.js';

const PROPAGATION = new Set(['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate']);
const CONSISTENCY = new Set(['cached', 'delegated', 'consistent']);

export function isPathLike(source: string): boolean {
  return source.startsWith('.') || source.startsWith('/') || source.startsWith('~') || source.startsWith('$');
}

export function parseVolumeSpec(spec: string): Record<string, unknown> {
  if (spec.trim() === '')
    throw new ComposeValueError('invalid volume: empty', { expected: '[SOURCE:]TARGET[:MODE]' });
  const parts = splitVolume(spec);
  if (parts.length > 3)
    throw new ComposeValueError(`invalid volume ${JSON.stringify(spec)}: too many colons`, {
      expected: '[SOURCE:]TARGET[:MODE]',
    });
  if (parts.length === 1) return { type: 'volume', target: parts[0]! };
  const [source, target, mode] = parts as [string, string, string | undefined];
  const bind = isPathLike(source);
  const out: Record<string, unknown> = { type: bind ? 'bind' : 'volume', source, target };
  const bindOpts: Record<string, unknown> = bind ? { create_host_path: true } : {};
  const volOpts: Record<string, unknown> = {};
  for (const opt of (mode ?? '').split(',').filter(Boolean)) {
    if (opt === 'ro') out.read_only = true;
    else if (opt === 'rw') out.read_only = false;
    else if (opt === 'z' || opt === 'Z') bindOpts.selinux = opt;
    else if (opt === 'nocopy') volOpts.nocopy = true;
    else if (PROPAGATION.has(opt)) bindOpts.propagation = opt;
    else if (CONSISTENCY.has(opt)) out.consistency = opt;
    else
      throw new ComposeValueError(
        `invalid volume ${JSON.stringify(spec)}: unknown mode ${JSON.stringify(opt)}`,
        {
          expected: 'ro, rw, z, Z, nocopy, a propagation or a consistency',
        },
      );
  }
  if (bind) out.bind = bindOpts;
  else out.volume = volOpts;
  return out;
}

/** Splits on ':' (Linux rules: `c:/data` is the volume `c` mounted at `/data`). */
function splitVolume(spec: string): string[] {
  return spec.split(':');
}
