/**
 * The instructions of a Dockerfile with their line numbers, so a failing build step
 * (`Step 3/5`, as the classic builder counts them: every instruction, stage after stage)
 * can name its line. Follows the Dockerfile parser's rules for parser directives
 * (`# escape=`), comments, empty lines and line continuations. Pure.
 */

export interface Instruction {
  /** 1-based line of the instruction's first line. */
  line: number;
  /** The instruction's first line, trimmed. */
  text: string;
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

export function dockerfileInstructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/);
  let escapeChar = '\\';
  let i = 0;
  // Parser directives: only at the very top, before any comment, blank line or instruction.
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m) break;
    if (m[1]!.toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) escapeChar = m[2];
  }
  const out: Instruction[] = [];
  let open: Instruction | undefined;
  for (; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    // Comments and empty lines are dropped, inside a continuation too.
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (!open) {
      open = { line: i + 1, text: trimmed };
      out.push(open);
    }
    const continues = raw.trimEnd().endsWith(escapeChar);
    if (!continues) open = undefined;
  }
  return out;
}

/** The line of step `index` (1-based), if the Dockerfile has that many instructions. */
export function stepLine(instructions: Instruction[], index: number): number | undefined {
  return instructions[index - 1]?.line;
}
