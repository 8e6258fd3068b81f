import type { CommandClass } from 'clipanion';
import { CompleteWordsCommand } from '../complete-words.js';
import { CompletionCommand } from '../completion.js';

/** Shell integration: the completion scripts and the hidden command they call. */
export const shellCommands: CommandClass[] = [CompletionCommand, CompleteWordsCommand];
