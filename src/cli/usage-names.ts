/**
 * How help shows an option, as docker compose does: `-f, --file FILE` rather than
 * clipanion's `-f,--file #0`. The value's name comes from this table, else from the long
 * option's name in capitals.
 */
const VALUE_NAMES: Record<string, string> = {
  '--file': 'FILE',
  '--env-file': 'FILE',
  '--project-name': 'NAME',
  '--project-directory': 'DIR',
  '--profile': 'PROFILE',
  '--format': 'FORMAT',
  '--filter': 'FILTER',
  '--tail': 'N',
  '--timeout': 'SECONDS',
  '--wait-timeout': 'SECONDS',
  '--scale': 'SERVICE=N',
  '--signal': 'SIGNAL',
  '--index': 'N',
  '--env': 'KEY=VALUE',
  '--user': 'USER',
  '--workdir': 'DIR',
  '--protocol': 'PROTOCOL',
  '--status': 'STATUS',
};

function valueName(names: string[]): string {
  const long = names.find((n) => n.startsWith('--')) ?? names[0] ?? 'VALUE';
  return VALUE_NAMES[long] ?? long.replace(/^-+/, '').replaceAll('-', '_').toUpperCase();
}

/** `-f,--file #0` → `-f, --file FILE`; `-d,--detach` → `-d, --detach`. */
export function optionDefinition(definition: string): string {
  return definition.replace(
    /(-{1,2}[A-Za-z][\w-]*(?:,-{1,2}[A-Za-z][\w-]*)*)((?: #\d+)*)/g,
    (_m, list: string, args: string) => {
      const names = list.split(',');
      const values =
        args.trim() === ''
          ? []
          : args
              .trim()
              .split(/\s+/)
              .map(() => valueName(names));
      return [names.join(', '), ...values].join(' ');
    },
  );
}
