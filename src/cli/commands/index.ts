import type { CommandClass } from 'clipanion';

/** Every command of the CLI, one file each under this folder. Keep sorted by name. */
export const commands: CommandClass[] = [];
