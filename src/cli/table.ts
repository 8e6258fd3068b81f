/**
 * Renders rows as a table whose columns line up, like `docker compose ps`.
 * Widths count code points of the text after ANSI colour codes are removed.
 */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

export function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

export function renderTable(header: string[], rows: string[][], gap = 3): string {
  const widths = header.map((h, i) =>
    Math.max(visibleWidth(h), ...rows.map((r) => visibleWidth(r[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleWidth(cell) + gap),
      )
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
